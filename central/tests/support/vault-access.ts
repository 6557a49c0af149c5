import { randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { HUB_ACCESS_ROLES, type HubAccessRole, type HubAccessRow } from '../../src/kernel/access-matrix.js';
import type { TestHub } from './test-hub.js';
import { csrfHeaderFor } from './csrf-headers.js';
import { waitFor } from './wait-for.js';

/** Every column of the matrix, the customers' too (issue #26): each role's write has a live target of its own. */
const ROLES = HUB_ACCESS_ROLES;

/** A small RGB PNG (a grey-blue gradient), built by hand so the fixture needs no image library. */
export function smallPng(width = 16, height = 16): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed) >>> 0);
    return Buffer.concat([len, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const at = y * (1 + width * 3);
    rows[at] = 0; // no filter
    for (let x = 0; x < width; x++) {
      rows[at + 1 + x * 3] = 40 + x * 8;
      rows[at + 2 + x * 3] = 90 + y * 6;
      rows[at + 3 + x * 3] = 160;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The vault's things for the authorization matrix and the fuzz test (issue #22), made through the API as head office
 * would: a folder "Store A documents" under the root that head office shares with `store:<A>` as OWNER (so store A's
 * people may do everything in it, its token may read, store B sees nothing), in it a text document (`doc`), a PNG with
 * its thumbnail (`image`), a document whose versions the writes add and restore (`versioned`), one whose tags the
 * PATCH sets (`patched`), a vault group with a member, and — for each role, as those routes use their target up — a
 * document to delete, one in the trash to restore, one in the trash to empty for good, a folder with a grant to
 * revoke, and groups to delete and to take a member out of.
 */
export async function vaultAccessFixture(t: TestHub, o: { admin: string; storeAId: string; memberId: string }) {
  const admin = { cookie: o.admin };
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: vault ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const folder = await must(
    'folder',
    t.call('POST', '/api/vault/folders', { parentId: VAULT_ROOT_ID, name: 'Store A documents' }, admin),
  );
  await must(
    'the folder shared with store A',
    t.call(
      'PUT',
      `/api/vault/nodes/${folder.id}/grants/${encodeURIComponent(`store:${o.storeAId}`)}`,
      { permission: 'OWNER' },
      admin,
    ),
  );
  const upload = async (name: string, text: string, parentId: string = folder.id) =>
    (
      await must(
        `document ${name}`,
        t.call(
          'POST',
          `/api/vault/folders/${parentId}/documents?name=${encodeURIComponent(name)}&tags=matrix`,
          undefined,
          { ...admin, rawBody: text, contentType: 'text/plain; charset=utf-8' },
        ),
      )
    ).node as { id: string; name: string };
  const doc = await upload('Opening checklist.txt', 'Lights on, tills counted, doors unlocked at 9:00.\n');
  const versioned = await upload('Price change note.txt', 'Mugs go to 9.00 from Monday.\n');
  const patched = await upload('Fire drill.txt', 'Meet at the car park, by the trolley bay.\n');
  const pngRes = await fetch(`${t.url}/api/vault/folders/${folder.id}/documents?name=Shelf%20photo.png`, {
    method: 'POST',
    headers: { cookie: o.admin, ...csrfHeaderFor(o.admin), 'content-type': 'image/png' },
    body: new Uint8Array(smallPng()),
  });
  if (pngRes.status !== 201) throw new Error(`fixture: vault image answered ${pngRes.status} ${await pngRes.text()}`);
  const image = ((await pngRes.json()) as { node: { id: string } }).node;

  const group = await must('group', t.call('POST', '/api/vault/groups', { name: 'Matrix group' }, admin));
  await must('group member', t.call('PUT', `/api/vault/groups/${group.id}/members/${o.memberId}`, {}, admin));

  const perRole = async <T>(make: (role: HubAccessRole) => Promise<T>) => {
    const out = {} as Record<HubAccessRole, T>;
    for (const role of ROLES) out[role] = await make(role);
    return out;
  };
  const toDelete = await perRole(async (role) => (await upload(`Delete me (${role}).txt`, `by ${role}\n`)).id);
  const trashed = async (what: string, role: HubAccessRole) => {
    const node = await upload(`${what} (${role}).txt`, `${what} by ${role}\n`);
    await must(`${what} to the trash`, t.call('DELETE', `/api/vault/nodes/${node.id}`, undefined, admin));
    return node.id;
  };
  const toRestore = await perRole((role) => trashed('Restore me', role));
  const toPurge = await perRole((role) => trashed('Purge me', role));
  const grantSubject = `group:${group.id}`;
  const toRevoke = await perRole(async (role) => {
    const f = await must(
      `folder with a grant (${role})`,
      t.call('POST', '/api/vault/folders', { parentId: folder.id, name: `Shared with the group (${role})` }, admin),
    );
    await must(
      `grant to revoke (${role})`,
      t.call(
        'PUT',
        `/api/vault/nodes/${f.id}/grants/${encodeURIComponent(grantSubject)}`,
        { permission: 'READ' },
        admin,
      ),
    );
    return f.id as string;
  });
  const groupToDelete = await perRole(
    async (role) =>
      (await must(`group to delete (${role})`, t.call('POST', '/api/vault/groups', { name: `Delete ${role}` }, admin)))
        .id as string,
  );
  const groupToLeave = await perRole(async (role) => {
    const g = await must(
      `group to leave (${role})`,
      t.call('POST', '/api/vault/groups', { name: `Leave ${role}` }, admin),
    );
    await must(
      `member to take out (${role})`,
      t.call('PUT', `/api/vault/groups/${g.id}/members/${o.memberId}`, {}, admin),
    );
    return g.id as string;
  });
  await waitFor('the fixture image’s thumbnail', async () => {
    const r = await t.call('GET', `/api/vault/documents/${image.id}/versions`, undefined, admin);
    return r.status === 200 && (r.body.items as { hasThumbnail: boolean }[]).some((v) => v.hasThumbnail);
  });
  await vaultSettled(t);
  return {
    folderId: folder.id as string,
    docId: doc.id,
    imageId: image.id,
    versionedId: versioned.id,
    patchedId: patched.id,
    groupId: group.id as string,
    memberId: o.memberId,
    grantSubject,
    toDelete,
    toRestore,
    toPurge,
    toRevoke,
    groupToDelete,
    groupToLeave,
    /** Ids for the fuzz test's path parameters. */
    ids: [folder.id as string, doc.id, image.id, group.id as string, toPurge.admin, VAULT_ROOT_ID],
  };
}
export type VaultAccessFixture = Awaited<ReturnType<typeof vaultAccessFixture>>;

/**
 * The vault's background work settled: every version scanned (none PENDING; thumbnails are made in the same pass) and
 * no vault job queued or running (a key rotation's re-wrap, a trash sweep). The fuzz test waits for it after a valid
 * request, so an upload's scan is not taken for a later refused request's change.
 */
export async function vaultSettled(t: TestHub): Promise<void> {
  await waitFor(
    'no vault version waiting for its scan and no vault job queued or running',
    async () => {
      const { rows } = await t.hub.db.query<{ busy: number }>(
        `SELECT (SELECT count(*) FROM vault_versions WHERE scan_state = 'PENDING')
              + (SELECT count(*) FROM job_runs WHERE name LIKE 'vault.%' AND state IN ('QUEUED', 'RUNNING')) AS busy`,
      );
      return Number(rows[0]!.busy) === 0;
    },
    60_000,
  );
}

/**
 * The matrix's call for a vault row as `role` (undefined for another module's row): the path with its ids and query,
 * the body, and the same call on an id that does not exist (the rows hide existence). Uploads send their body as the
 * matrix sends every body (JSON text: a document of type application/json).
 */
export function vaultProbe(
  fx: VaultAccessFixture,
  row: HubAccessRow,
  role: HubAccessRole,
): { path: string; body?: unknown; missing?: string } | undefined {
  if (!row.path.startsWith('/api/vault/')) return undefined;
  const unique = `${role}-${randomUUID().slice(0, 8)}`;
  const subject = encodeURIComponent(fx.grantSubject);
  const m = row.method;
  // each entry: the path for an id (the fixture's, or a random one for `missing`), and the body
  const calls: Record<string, { at: (id: string) => string; id?: string; body?: unknown }> = {
    'GET /api/vault/nodes/:id': { at: (id) => `/api/vault/nodes/${id}`, id: fx.docId },
    'GET /api/vault/folders/:id/children': {
      at: (id) => `/api/vault/folders/${id}/children?limit=10`,
      id: fx.folderId,
    },
    'POST /api/vault/folders': {
      at: () => '/api/vault/folders',
      body: { parentId: fx.folderId, name: `By ${unique}` },
    },
    'POST /api/vault/folders/:id/documents': {
      at: (id) => `/api/vault/folders/${id}/documents?name=${encodeURIComponent(`Note by ${unique}.json`)}`,
      id: fx.folderId,
      body: `A note uploaded by ${role}`,
    },
    'PUT /api/vault/documents/:id/content': {
      at: (id) => `/api/vault/documents/${id}/content`,
      id: fx.versionedId,
      body: `Mugs go to 9.50 from Monday (${role}).`,
    },
    'GET /api/vault/documents/:id/content': { at: (id) => `/api/vault/documents/${id}/content`, id: fx.docId },
    'GET /api/vault/documents/:id/versions': { at: (id) => `/api/vault/documents/${id}/versions`, id: fx.docId },
    'POST /api/vault/documents/:id/versions/:no/restore': {
      at: (id) => `/api/vault/documents/${id}/versions/1/restore`,
      id: fx.versionedId,
      body: {},
    },
    'GET /api/vault/documents/:id/thumbnail': { at: (id) => `/api/vault/documents/${id}/thumbnail`, id: fx.imageId },
    'PATCH /api/vault/nodes/:id': {
      at: (id) => `/api/vault/nodes/${id}`,
      id: fx.patchedId,
      body: { tags: ['safety', `checked by ${role}`] },
    },
    'DELETE /api/vault/nodes/:id': { at: (id) => `/api/vault/nodes/${id}`, id: fx.toDelete[role] },
    'GET /api/vault/trash': { at: () => '/api/vault/trash?limit=10' },
    'POST /api/vault/trash/:id/restore': {
      at: (id) => `/api/vault/trash/${id}/restore`,
      id: fx.toRestore[role],
      body: {},
    },
    'DELETE /api/vault/trash/:id': { at: (id) => `/api/vault/trash/${id}`, id: fx.toPurge[role] },
    'GET /api/vault/search': { at: () => '/api/vault/search?q=checklist&limit=10' },
    'GET /api/vault/nodes/:id/grants': { at: (id) => `/api/vault/nodes/${id}/grants`, id: fx.folderId },
    'PUT /api/vault/nodes/:id/grants/:subject': {
      at: (id) => `/api/vault/nodes/${id}/grants/${subject}`,
      id: fx.folderId,
      body: { permission: 'READ' },
    },
    'DELETE /api/vault/nodes/:id/grants/:subject': {
      at: (id) => `/api/vault/nodes/${id}/grants/${subject}`,
      id: fx.toRevoke[role],
    },
    'GET /api/vault/check': { at: () => `/api/vault/check?nodeId=${fx.docId}&permission=READ` },
    'GET /api/vault/groups': { at: () => '/api/vault/groups' },
    'POST /api/vault/groups': { at: () => '/api/vault/groups', body: { name: `Matrix ${unique}` } },
    'GET /api/vault/groups/:id': { at: (id) => `/api/vault/groups/${id}`, id: fx.groupId },
    'DELETE /api/vault/groups/:id': { at: (id) => `/api/vault/groups/${id}`, id: fx.groupToDelete[role] },
    'PUT /api/vault/groups/:id/members/:userId': {
      at: (id) => `/api/vault/groups/${id}/members/${fx.memberId}`,
      id: fx.groupId,
      body: {},
    },
    'DELETE /api/vault/groups/:id/members/:userId': {
      at: (id) => `/api/vault/groups/${id}/members/${fx.memberId}`,
      id: fx.groupToLeave[role],
    },
    'GET /api/vault/audit': { at: () => '/api/vault/audit?limit=10' },
    'POST /api/vault/audit/verify': { at: () => '/api/vault/audit/verify', body: {} },
    'GET /api/vault/keys': { at: () => '/api/vault/keys' },
    'POST /api/vault/keys/rotate': { at: () => '/api/vault/keys/rotate', body: {} },
  };
  const call = calls[`${m} ${row.path}`];
  if (!call) throw new Error(`no vault probe for ${m} ${row.path}: add one to vault-access.ts`);
  // a write with no body of its own still sends one (the hub reads JSON on writes): DELETE sends none
  const body = m === 'GET' || m === 'DELETE' ? undefined : (call.body ?? {});
  // A new folder names its parent in the body, which the missing-id call cannot change: a store's token is refused
  // for what it is, whatever the parent, so for the tokens the same call stands for the missing one.
  const token = role === 'storeA' || role === 'storeB';
  const missing = call.id ? call.at(randomUUID()) : token && m !== 'GET' ? call.at('') : undefined;
  return {
    path: call.at(call.id ?? ''),
    ...(body === undefined ? {} : { body }),
    ...(missing && row.hidesExistence ? { missing } : {}),
  };
}
