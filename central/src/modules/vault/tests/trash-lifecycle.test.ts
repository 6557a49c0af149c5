import { existsSync } from 'node:fs';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { blobPath, docsHub, grant, newFolder, person, send, upload } from './documents-harness.js';

const DAY_MS = 86_400_000;

describe.each(dbTargets)('vault trash ($name)', (target) => {
  const h = docsHub(target);
  const db = () => h.t.hub.db;
  const blobKeysOf = async (docId: string) =>
    (
      await db().query<{ blob_key: string }>('SELECT blob_key FROM vault_versions WHERE document_id = $1', [docId])
    ).rows.map((r) => r.blob_key);

  it('deleting a folder takes everything under it to the trash; restore brings it all back where it was', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Contracts');
    const sub = await newFolder(h, f, '2026');
    const doc = (await upload(h, sub, 'lease.txt', 'the lease')).json.node.id;
    const del = await h.t.call('DELETE', `/api/vault/nodes/${f}`, undefined, { cookie: h.admin });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id: f, state: 'TRASHED' });
    expect(del.body.purgeAt - del.body.trashedAt).toBe(30 * DAY_MS);
    for (const id of [f, sub, doc])
      expect((await h.t.call('GET', `/api/vault/nodes/${id}`, undefined, { cookie: h.admin })).status).toBe(404);
    expect((await send(h, 'GET', `/api/vault/documents/${doc}/content`, h.admin)).status).toBe(404);

    const trash = await h.t.call('GET', '/api/vault/trash', undefined, { cookie: h.admin });
    const ids = trash.body.items.map((n: { id: string }) => n.id);
    expect(ids).toContain(f);
    expect(ids).not.toContain(doc); // only what was deleted itself: the rest comes back with it
    expect((await h.t.call('POST', `/api/vault/trash/${doc}/restore`, undefined, { cookie: h.admin })).status).toBe(
      409,
    );

    const back = await h.t.call('POST', `/api/vault/trash/${f}/restore`, undefined, { cookie: h.admin });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id: f, state: 'ACTIVE', parentId: VAULT_ROOT_ID });
    const read = await send(h, 'GET', `/api/vault/documents/${doc}/content`, h.admin);
    expect(read.bytes.toString()).toBe('the lease');
  });

  it('restore is refused (409) when the name is taken again or the folder it was in is in the trash', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Restore rules');
    const a = (await upload(h, f, 'a.txt', 'first a')).json.node.id;
    await h.t.call('DELETE', `/api/vault/nodes/${a}`, undefined, { cookie: h.admin });
    await upload(h, f, 'A.TXT', 'second a');
    const taken = await h.t.call('POST', `/api/vault/trash/${a}/restore`, undefined, { cookie: h.admin });
    expect(taken.status).toBe(409);

    const b = (await upload(h, f, 'b.txt', 'b')).json.node.id;
    await h.t.call('DELETE', `/api/vault/nodes/${b}`, undefined, { cookie: h.admin });
    await h.t.call('DELETE', `/api/vault/nodes/${f}`, undefined, { cookie: h.admin });
    const orphan = await h.t.call('POST', `/api/vault/trash/${b}/restore`, undefined, { cookie: h.admin });
    expect(orphan.status).toBe(409);
    expect((await h.t.call('DELETE', `/api/vault/nodes/${VAULT_ROOT_ID}`, undefined, { cookie: h.admin })).status).toBe(
      409,
    );
  });

  it('the trash lists only what the caller could delete, and emptying now needs OWNER', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Shared trash');
    const deleter = await person(h);
    const reader = await person(h);
    await grant(h, f, deleter.subject, 3);
    await grant(h, f, reader.subject, 1);
    const doc = (await upload(h, f, 'old.txt', 'old')).json.node.id;
    const del = await h.t.call('DELETE', `/api/vault/nodes/${doc}`, undefined, { cookie: deleter.cookie });
    expect(del.status).toBe(200);
    const mine = await h.t.call('GET', '/api/vault/trash', undefined, { cookie: deleter.cookie });
    expect(mine.body.items.map((n: { id: string }) => n.id)).toEqual([doc]);
    expect(mine.body.items[0]).toMatchObject({ trashedBy: deleter.subject, level: 'DELETE' });
    const theirs = await h.t.call('GET', '/api/vault/trash', undefined, { cookie: reader.cookie });
    expect(theirs.body.items).toEqual([]);
    const purge = await h.t.call('DELETE', `/api/vault/trash/${doc}`, undefined, { cookie: deleter.cookie });
    expect(purge.status).toBe(403);
    const keys = await blobKeysOf(doc);
    const gone = await h.t.call('DELETE', `/api/vault/trash/${doc}`, undefined, { cookie: h.admin });
    expect(gone.status).toBe(204);
    expect(await blobKeysOf(doc)).toEqual([]);
    for (const k of keys) expect(existsSync(blobPath(h, k))).toBe(false);
    const { rows } = await db().query("SELECT 1 FROM vault_audit WHERE node_id = $1 AND action = 'PURGE'", [doc]);
    expect(rows).toHaveLength(1);
  });

  it('the sweep empties trash older than 30 days for good (rows and blobs) and leaves younger trash alone', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Sweep');
    const old = (await upload(h, f, 'old.bin', Buffer.alloc(70_000, 1))).json.node.id;
    await send(h, 'PUT', `/api/vault/documents/${old}/content`, h.admin, Buffer.alloc(70_000, 2));
    const oldKeys = await blobKeysOf(old);
    expect(oldKeys).toHaveLength(2);
    await h.t.call('DELETE', `/api/vault/nodes/${old}`, undefined, { cookie: h.admin });
    h.t.clock.offsetMs += 20 * DAY_MS;
    let admin = await h.t.login(); // sessions do not last weeks
    const young = (await upload(h, f, 'young.bin', Buffer.alloc(1000, 3), { who: admin })).json.node.id;
    await h.t.call('DELETE', `/api/vault/nodes/${young}`, undefined, { cookie: admin });
    h.t.clock.offsetMs += 11 * DAY_MS; // old: 31 days in the trash; young: 11
    admin = await h.t.login();
    // every schedule of the hub is due after a month: a look at the queue starts as many as it may run at once
    const left = async () =>
      (await db().query<{ id: string }>('SELECT id FROM vault_nodes WHERE id = ANY($1::uuid[])', [[old, young]])).rows;
    let rows = await left();
    for (let i = 0; i < 20 && rows.length > 1; i++) {
      await h.t.hub.jobs.runDue();
      rows = await left();
    }
    expect(rows.map((r) => r.id)).toEqual([young]);
    // the files go just after the sweep's commit (maybe in the hub's own run of the job): waited for, bounded
    const kept = () => oldKeys.filter((k) => existsSync(blobPath(h, k)));
    for (let i = 0; i < 100 && kept().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(kept()).toEqual([]);
    const audit = await db().query<{ actor: string }>(
      "SELECT actor FROM vault_audit WHERE node_id = $1 AND action = 'PURGE'",
      [old],
    );
    expect(audit.rows).toEqual([{ actor: 'system' }]);
    const restoreYoung = await h.t.call('POST', `/api/vault/trash/${young}/restore`, undefined, { cookie: admin });
    expect(restoreYoung.status).toBe(200);
  });
});
