import { NotFoundError, ValidationError } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../kernel/principal.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { VaultAcl } from '../acl.js';
import { aclWorld, ROOT } from './acl-fixture.js';

const storeToken = (storeId: string): Principal => ({ kind: 'store', storeId: storeId as never });

/** Every page of a folder's listing, following `next`; bounded so a cursor that never ends fails the test. */
async function allPages(
  acl: VaultAcl,
  db: Parameters<VaultAcl['children']>[0],
  p: Principal,
  folder: string,
  limit: number,
) {
  const pages: { id: string; kind: string; name: string; level: number }[][] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await acl.children(db, p, folder, { after, limit });
    pages.push(page.items.map((n) => ({ id: n.id, kind: n.kind, name: n.name, level: n.level })));
    if (page.next === null) return pages;
    after = page.next;
  }
  throw new Error('the listing did not end within 100 pages');
}

/** Folders first, then by lower-cased name, then id (what the listing promises). */
const listingOrder = (a: { kind: string; name: string; id: string }, b: { kind: string; name: string; id: string }) =>
  (a.kind === b.kind ? 0 : a.kind === 'FOLDER' ? -1 : 1) ||
  (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe.each(dbTargets)('a folder’s listing on $name', (target) => {
  const w = aclWorld(target);

  it('1,000 visible children of 1,200 come in 7 pages of 150, each once, in order, hidden ones never', async () => {
    const db = w.t.hub.db;
    const p = await w.quickPerson('ASSOCIATE', 'A');
    const big = await w.tree.folder(ROOT, 'Big');
    // 1,200 children (300 folders, 900 documents; names that collide case-insensitively only by id), none readable
    // through the folder: 1,000 shared one by one with the person, their store or everyone, 200 with someone else
    await db.query(
      `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
       SELECT gen_random_uuid(), CASE WHEN i % 4 = 0 THEN 'FOLDER' ELSE 'DOCUMENT' END, $1::uuid, ARRAY[$2::uuid, $1::uuid],
              CASE WHEN i % 3 = 0 THEN 'Item ' ELSE 'item ' END || lpad((i % 400)::text, 4, '0') || CASE WHEN i % 7 = 0 THEN ' B' ELSE '' END || '-' || i,
              'user:test', now(), now()
       FROM generate_series(1, 1200) AS i`,
      [big, ROOT],
    );
    const { rows } = await db.query<{ id: string; n: number }>(
      'SELECT id, row_number() OVER (ORDER BY id) AS n FROM vault_nodes WHERE parent_id = $1::uuid',
      [big],
    );
    const subjects = [`user:${p.userId}`, `store:${w.storeA.id}`, 'everyone'];
    const visible = new Set<string>();
    for (const r of rows) {
      const n = Number(r.n);
      if (n <= 1000) visible.add(r.id);
      await w.tree.grant(r.id, n <= 1000 ? subjects[n % 3]! : `store:${w.storeB.id}`, 1 + (n % 5));
    }
    // one trashed child shared with the person: gone from the listing too
    const trashed = await w.tree.doc(big, 'in the trash');
    await w.tree.grant(trashed, `user:${p.userId}`, 1);
    await w.tree.trash(trashed);

    const pages = await allPages(w.acl, db, p, big, 150);
    expect(pages).toHaveLength(7);
    expect(pages.slice(0, 6).every((page) => page.length === 150)).toBe(true);
    const items = pages.flat();
    expect(items).toHaveLength(1000);
    expect(new Set(items.map((i) => i.id)).size).toBe(1000);
    expect(new Set(items.map((i) => i.id))).toEqual(visible);
    expect(items).toEqual([...items].sort(listingOrder));
    expect(items.every((i) => i.level >= 1)).toBe(true);

    // head office reads the folder (root's OWNER): every child, each once, one page of 200 at a time
    const hq: Principal = { kind: 'user', userId: 'hq' as never, role: 'ADMIN', storeId: null };
    const all = (await allPages(w.acl, db, hq, big, 200)).flat();
    expect(all).toHaveLength(1200);
    expect(new Set(all.map((i) => i.id)).size).toBe(1200);
    expect(all.every((i) => i.level === 5)).toBe(true);
  });

  it('a document shared alone inside a folder nobody else opens: readable, listed there alone, in the store feed', async () => {
    const db = w.t.hub.db;
    const asocA = await w.quickPerson('ASSOCIATE', 'A');
    const asocB = await w.quickPerson('ASSOCIATE', 'B');
    const hr = await w.tree.folder(ROOT, 'HR');
    const contracts = await w.tree.folder(hr, 'Contracts');
    const mine = await w.tree.doc(contracts, 'store A rota.pdf');
    const others = await w.tree.doc(contracts, 'salaries.xlsx');
    const sub = await w.tree.folder(contracts, 'Private');
    await w.tree.doc(sub, 'deeper.txt');
    await w.tree.grant(mine, `store:${w.storeA.id}`, 1);

    expect(await w.acl.level(db, asocA, mine)).toBe(1);
    await expect(w.acl.require(db, asocA, mine, 'READ')).resolves.toMatchObject({ id: mine, name: 'store A rota.pdf' });
    await expect(w.acl.require(db, asocA, contracts, 'READ')).rejects.toBeInstanceOf(NotFoundError);
    expect(await w.acl.level(db, asocA, others)).toBe(0);
    // listing the folder it sits in shows it and nothing else; the folder's own folder shows nothing
    const page = await w.acl.children(db, asocA, contracts, { after: null, limit: 50 });
    expect(page.items.map((n) => n.id)).toEqual([mine]);
    expect(page.next).toBeNull();
    await expect(w.acl.children(db, asocA, hr, { after: null, limit: 50 })).rejects.toBeInstanceOf(NotFoundError);
    // another store's person: the folder is answered as missing, like a folder that does not exist
    await expect(w.acl.children(db, asocB, contracts, { after: null, limit: 50 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // the store's handheld gets it, store B's does not
    const feedA = await w.acl.readableDocuments(db, w.acl.storeSubjects(w.storeA.id), { after: null, limit: 10_000 });
    expect(feedA.ids).toContain(mine);
    expect(feedA.ids).not.toContain(others);
    expect(await w.acl.level(db, storeToken(w.storeA.id), mine)).toBe(1);
    // the root lists for anyone: only what is shared there with them (here: nothing of HR)
    const rootPage = await w.acl.children(db, asocA, ROOT, { after: null, limit: 200 });
    expect(rootPage.items.map((n) => n.id)).not.toContain(hr);
  });

  it('the store feed’s list is complete across pages and leaves out trashed documents', async () => {
    const db = w.t.hub.db;
    const f = await w.tree.folder(ROOT, 'Feed');
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(await w.tree.doc(f, `feed ${i}`));
    await w.tree.grant(f, `store:${w.storeB.id}`, 1);
    await w.tree.trash(ids[3]!);
    const got: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 500; i++) {
      const page: { ids: readonly string[]; next: string | null } = await w.acl.readableDocuments(
        db,
        w.acl.storeSubjects(w.storeB.id),
        { after, limit: 7 },
      );
      got.push(...page.ids);
      if (!page.next) break;
      after = page.next;
    }
    expect(new Set(got).size).toBe(got.length);
    // (documents shared with everyone by the other tests are in it too)
    expect(new Set(got.filter((id) => ids.includes(id)))).toEqual(new Set(ids.filter((_, i) => i !== 3)));
    expect(got).toEqual([...got].sort());
  });

  it('refuses a cursor it did not make, and a folder that is a document or missing', async () => {
    const db = w.t.hub.db;
    const p: Principal = { kind: 'user', userId: 'hq' as never, role: 'ADMIN', storeId: null };
    for (const bad of ['x', 'WyJGIiwiYSJd', '!!!', Buffer.from('["F","a","not-a-uuid"]').toString('base64url')])
      await expect(w.acl.children(db, p, ROOT, { after: bad, limit: 10 })).rejects.toBeInstanceOf(ValidationError);
    const doc = await w.tree.doc(ROOT, 'not a folder');
    await expect(w.acl.children(db, p, doc, { after: null, limit: 10 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      w.acl.children(db, p, '5b0e4a35-1111-4000-8000-000000000000', { after: null, limit: 10 }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
