import { VAULT_ROOT_ID } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { docsHub, grant, newFolder, person, send, upload } from './documents-harness.js';

describe.each(dbTargets)('vault folders and names ($name)', (target) => {
  const h = docsHub(target);
  const count = async () =>
    Number((await h.t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM vault_nodes')).rows[0]!.n);

  it('creates a folder under the root, reads it back with its path, and refuses a sibling of the same name in any case', async () => {
    const id = await newFolder(h, VAULT_ROOT_ID, 'Planograms');
    const got = await h.t.call('GET', `/api/vault/nodes/${id}`, undefined, { cookie: h.admin });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, kind: 'FOLDER', name: 'Planograms', parentId: VAULT_ROOT_ID, level: 'OWNER' });
    expect(got.body.path).toEqual([{ id: VAULT_ROOT_ID, name: 'Vault' }]);
    const again = await h.t.call(
      'POST',
      '/api/vault/folders',
      { parentId: VAULT_ROOT_ID, name: 'PLANOGRAMS' },
      {
        cookie: h.admin,
      },
    );
    expect(again.status).toBe(409);
    expect(again.body.existingId).toBe(id);
  });

  it('refuses names that are paths, dots, control characters or too long, and stores nothing', async () => {
    const before = await count();
    const bad = [
      '../x',
      'a/b',
      '..',
      '.',
      'a\\b',
      'nul\u0000byte',
      'tab\there',
      'bell\u0007',
      'x'.repeat(10_000),
      '   ',
    ];
    for (const name of bad) {
      const res = await h.t.call('POST', '/api/vault/folders', { parentId: VAULT_ROOT_ID, name }, { cookie: h.admin });
      expect(res.status, JSON.stringify(name.slice(0, 20))).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const up = await upload(h, VAULT_ROOT_ID, name, 'x');
      expect(up.status, JSON.stringify(name.slice(0, 20))).toBe(400);
    }
    expect(await count()).toBe(before);
  });

  it('keeps right-to-left, emoji and accented names as typed', async () => {
    for (const name of ['مستندات المتجر', '📦 Deliveries 🚚', 'Crème brûlée — recettes', 'שלום.txt']) {
      const id = await newFolder(h, VAULT_ROOT_ID, name);
      const got = await h.t.call('GET', `/api/vault/nodes/${id}`, undefined, { cookie: h.admin });
      expect(got.body.name).toBe(name);
    }
  });

  it('answers a malformed id with 400 and an unknown one with 404', async () => {
    for (const path of [
      '/api/vault/nodes/not-a-uuid',
      '/api/vault/folders/123/children',
      '/api/vault/documents/12345678-1234-1234-1234-12345678/versions',
    ]) {
      const res = await h.t.call('GET', path, undefined, { cookie: h.admin });
      expect(res.status, path).toBe(400);
    }
    const missing = await h.t.call('GET', '/api/vault/nodes/0190c1b2-0000-7000-8000-000000000000', undefined, {
      cookie: h.admin,
    });
    expect(missing.status).toBe(404);
  });

  it('renames, retags and moves; refuses a move into itself or under itself with 409', async () => {
    const a = await newFolder(h, VAULT_ROOT_ID, 'Move A');
    const b = await newFolder(h, a, 'Move B');
    const c = await newFolder(h, b, 'Move C');
    const doc = (await upload(h, c, 'deep.txt', 'deep text', { type: 'text/plain' })).json.node.id;
    const into = await h.t.call('PATCH', `/api/vault/nodes/${a}`, { parentId: c }, { cookie: h.admin });
    expect(into.status).toBe(409);
    const self = await h.t.call('PATCH', `/api/vault/nodes/${a}`, { parentId: a }, { cookie: h.admin });
    expect(self.status).toBe(409);

    const other = await newFolder(h, VAULT_ROOT_ID, 'Move Target');
    const moved = await h.t.call(
      'PATCH',
      `/api/vault/nodes/${b}`,
      { parentId: other, name: 'Moved B' },
      {
        cookie: h.admin,
      },
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ parentId: other, name: 'Moved B' });
    // everything under the moved folder follows: its path now runs through the new parent
    const deep = await h.t.call('GET', `/api/vault/nodes/${doc}`, undefined, { cookie: h.admin });
    expect(deep.body.path.map((p: { id: string }) => p.id)).toEqual([VAULT_ROOT_ID, other, b, c]);

    const tagged = await h.t.call(
      'PATCH',
      `/api/vault/nodes/${doc}`,
      { tags: ['sop', 'Front desk'], offline: true },
      {
        cookie: h.admin,
      },
    );
    expect(tagged.body).toMatchObject({ tags: ['sop', 'Front desk'], offline: true });
    const folderOffline = await h.t.call('PATCH', `/api/vault/nodes/${a}`, { offline: true }, { cookie: h.admin });
    expect(folderOffline.status).toBe(422);
    const badTag = await h.t.call('PATCH', `/api/vault/nodes/${doc}`, { tags: ['<script>'] }, { cookie: h.admin });
    expect(badTag.status).toBe(400);
  });

  it('a rename onto a taken name is 409 and changes nothing', async () => {
    const p = await newFolder(h, VAULT_ROOT_ID, 'Rename Parent');
    await newFolder(h, p, 'Taken');
    const x = await newFolder(h, p, 'Free');
    const res = await h.t.call('PATCH', `/api/vault/nodes/${x}`, { name: 'taken' }, { cookie: h.admin });
    expect(res.status).toBe(409);
    const got = await h.t.call('GET', `/api/vault/nodes/${x}`, undefined, { cookie: h.admin });
    expect(got.body.name).toBe('Free');
  });

  it('a person without access gets 404 for a folder and its children, and creates nothing in it', async () => {
    const hidden = await newFolder(h, VAULT_ROOT_ID, 'Head office only');
    const p = await person(h);
    const before = await count();
    for (const [method, path, body] of [
      ['GET', `/api/vault/nodes/${hidden}`, undefined],
      ['GET', `/api/vault/folders/${hidden}/children`, undefined],
      ['POST', '/api/vault/folders', { parentId: hidden, name: 'sneaky' }],
      ['PATCH', `/api/vault/nodes/${hidden}`, { name: 'sneaky' }],
      ['DELETE', `/api/vault/nodes/${hidden}`, undefined],
    ] as const) {
      const res = await h.t.call(method, path, body, { cookie: p.cookie });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const up = await upload(h, hidden, 'sneaky.txt', 'nope', { who: p.cookie });
    expect(up.status).toBe(404);
    expect(await count()).toBe(before);
  });

  it('lists a folder’s children folders first, then by name, across pages', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Paged');
    for (const n of ['b-doc', 'a-doc', 'c-doc']) await upload(h, f, n, n);
    for (const n of ['Zeta', 'alpha']) await newFolder(h, f, n);
    const names: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const q: string = after ? `?limit=2&after=${encodeURIComponent(after)}` : '?limit=2';
      const page = await h.t.call('GET', `/api/vault/folders/${f}/children${q}`, undefined, { cookie: h.admin });
      expect(page.status).toBe(200);
      names.push(...page.body.items.map((n: { name: string }) => n.name));
      after = page.body.next;
      if (!after) break;
    }
    expect(names).toEqual(['alpha', 'Zeta', 'a-doc', 'b-doc', 'c-doc']);
  });

  it('a store’s token reads what its store may read but changes nothing, and has no trash or search', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Store shelf');
    const store = await h.t.store(`TOK${Date.now() % 100000}`, h.admin);
    await grant(h, f, `store:${store.id}`, 5);
    const doc = (await upload(h, f, 'shelf.txt', 'shelf plan')).json.node.id;
    await h.t.hub.db.query("UPDATE vault_versions SET scan_state = 'CLEAN' WHERE document_id = $1", [doc]);
    const bearer = { authorization: `Bearer ${store.token}` };
    const read = await fetch(`${h.t.url}/api/vault/documents/${doc}/content`, { headers: bearer });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('shelf plan');
    const before = await count();
    for (const [method, path, body] of [
      ['POST', `/api/vault/folders/${f}/documents?name=x.txt`, 'x'],
      ['PUT', `/api/vault/documents/${doc}/content`, 'x'],
      ['PATCH', `/api/vault/nodes/${doc}`, JSON.stringify({ name: 'y.txt' })],
      ['DELETE', `/api/vault/nodes/${doc}`, undefined],
      ['GET', '/api/vault/trash', undefined],
      ['GET', '/api/vault/search?q=shelf', undefined],
    ] as const) {
      const res = await fetch(h.t.url + path, {
        method,
        headers: { ...bearer, 'content-type': method === 'PATCH' ? 'application/json' : 'text/plain' },
        body,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await count()).toBe(before);
    expect((await send(h, 'GET', `/api/vault/nodes/${doc}`, h.admin)).json.name).toBe('shelf.txt');
  });
});
