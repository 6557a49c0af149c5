import { ForbiddenError, NotFoundError, VAULT_PERMISSIONS } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../kernel/principal.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { aclWorld, ROOT } from './acl-fixture.js';

const storeToken = (storeId: string): Principal => ({ kind: 'store', storeId: storeId as never });

/**
 * The permission matrix (issue #22): direct, inherited, group, revoked, moved folders, deleted parents, store, role and
 * everyone subjects. Several cases are adapted from OpenFGA's published check tests (openfga/openfga,
 * tests/check/tests.yaml: `this`, `computed_userset`, `computed_userset_and_computed_userset`, `tuple_to_userset`,
 * `tuple_to_userset_and_computed_userset`, `tuple_to_userset_and_tuple_to_userset`, `union_and_tuple_to_userset`):
 * their tuple-to-userset is our inheritance through parent folders, their computed usersets our level order (OWNER
 * implies SHARE implies DELETE implies WRITE implies READ), their direct assignment our grant on the node itself.
 */
describe.each(dbTargets)('vault permissions on $name', (target) => {
  const w = aclWorld(target);

  it('direct assignment: a grant on a document is that document’s only (OpenFGA `this`)', async () => {
    const aardvark = await w.quickPerson('ASSOCIATE', 'A');
    const badger = await w.quickPerson('ASSOCIATE', 'A');
    const folder = await w.tree.folder(ROOT, 'This');
    const doc1 = await w.tree.doc(folder, 'one.pdf');
    const doc2 = await w.tree.doc(folder, 'two.pdf');
    await w.tree.grant(doc1, `user:${aardvark.userId}`, 1);
    const db = w.t.hub.db;
    expect(await w.acl.level(db, aardvark, doc1)).toBe(1);
    expect(await w.acl.level(db, aardvark, doc2)).toBe(0);
    expect(await w.acl.level(db, aardvark, folder)).toBe(0); // a grant never flows up
    expect(await w.acl.level(db, badger, doc1)).toBe(0);
  });

  it('computed usersets: each level includes every level below it, and no more', async () => {
    const db = w.t.hub.db;
    const folder = await w.tree.folder(ROOT, 'Computed');
    for (const [i, given] of VAULT_PERMISSIONS.entries()) {
      const p = await w.quickPerson('ASSOCIATE', 'A');
      const doc = await w.tree.doc(folder, `doc-${given}`);
      await w.tree.grant(doc, `user:${p.userId}`, i + 1);
      for (const [j, asked] of VAULT_PERMISSIONS.entries()) {
        if (j <= i) await expect(w.acl.require(db, p, doc, asked)).resolves.toMatchObject({ id: doc, level: i + 1 });
        else {
          const err = await w.acl.require(db, p, doc, asked).catch((e) => e);
          expect(err).toBeInstanceOf(ForbiddenError);
          expect(err.message).toContain(asked); // the refusal names the permission needed
        }
      }
    }
  });

  it('tuple-to-userset: a folder’s grant reaches documents any depth below it, with the level it gives', async () => {
    const db = w.t.hub.db;
    const aardvark = await w.quickPerson('ASSOCIATE', 'A');
    const x = await w.tree.folder(ROOT, 'X');
    const y = await w.tree.folder(x, 'Y');
    const z = await w.tree.folder(y, 'Z');
    const doc = await w.tree.doc(z, 'deep.txt');
    await w.tree.grant(x, `user:${aardvark.userId}`, 2); // WRITE on the folder (…_and_computed_userset)
    expect(await w.acl.level(db, aardvark, doc)).toBe(2);
    expect(await w.acl.level(db, aardvark, z)).toBe(2);
    await expect(w.acl.require(db, aardvark, doc, 'READ')).resolves.toMatchObject({ id: doc });
    // union_and_tuple_to_userset: the highest of the inherited grant and the document's own
    await w.tree.grant(doc, `user:${aardvark.userId}`, 4);
    expect(await w.acl.level(db, aardvark, doc)).toBe(4);
    expect(await w.acl.level(db, aardvark, z)).toBe(2);
    // a lower grant below never lowers what the folder gives
    await w.tree.grant(doc, `user:${aardvark.userId}`, 1);
    expect(await w.acl.level(db, aardvark, doc)).toBe(2);
  });

  it('groups: a folder shared with a group reaches its members, and stops when one leaves', async () => {
    const db = w.t.hub.db;
    const member = await w.quickPerson('ASSOCIATE', 'B');
    const outsider = await w.quickPerson('ASSOCIATE', 'B');
    const group = await w.acl.createGroup(db, { principal: adminOf(w), origin: null }, `Auditors ${Date.now()}`);
    await w.acl.addMember(db, { principal: adminOf(w), origin: null }, group.id, member.userId);
    const folder = await w.tree.folder(ROOT, 'Grouped');
    const doc = await w.tree.doc(folder, 'g.txt');
    await w.tree.grant(folder, `group:${group.id}`, 3);
    expect(await w.acl.level(db, member, doc)).toBe(3); // tuple_to_userset_and_tuple_to_userset
    expect(await w.acl.level(db, outsider, doc)).toBe(0);
    await w.acl.removeMember(db, { principal: adminOf(w), origin: null }, group.id, member.userId);
    expect(await w.acl.level(db, member, doc)).toBe(0);
    // deleting a group takes its grants with it
    await w.acl.addMember(db, { principal: adminOf(w), origin: null }, group.id, member.userId);
    await w.acl.deleteGroup(db, { principal: adminOf(w), origin: null }, group.id);
    const { rows } = await db.query('SELECT 1 FROM vault_grants WHERE subject = $1', [`group:${group.id}`]);
    expect(rows).toHaveLength(0);
    expect(await w.acl.level(db, member, doc)).toBe(0);
  });

  it('revoked: the next check after a revoke denies, and the node is then answered as missing', async () => {
    const db = w.t.hub.db;
    const mgr = await w.quickPerson('STORE_MANAGER', 'A');
    const folder = await w.tree.folder(ROOT, 'Revoked');
    const doc = await w.tree.doc(folder, 'r.txt');
    await w.tree.grant(folder, `user:${mgr.userId}`, 5);
    expect(await w.acl.level(db, mgr, doc)).toBe(5);
    await w.tree.ungrant(folder, `user:${mgr.userId}`);
    expect(await w.acl.level(db, mgr, doc)).toBe(0);
    await expect(w.acl.require(db, mgr, doc, 'READ')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('moved folders: what is inherited follows the folder to its new place', async () => {
    const db = w.t.hub.db;
    const p = await w.quickPerson('ASSOCIATE', 'A');
    const shared = await w.tree.folder(ROOT, 'Shared with p');
    const privateF = await w.tree.folder(ROOT, 'Private');
    const moving = await w.tree.folder(shared, 'Moving');
    const inner = await w.tree.folder(moving, 'Inner');
    const doc = await w.tree.doc(inner, 'm.txt');
    await w.tree.grant(shared, `user:${p.userId}`, 1);
    expect(await w.acl.level(db, p, doc)).toBe(1);
    await w.tree.move(moving, privateF);
    expect(await w.acl.level(db, p, doc)).toBe(0);
    expect(await w.acl.level(db, p, moving)).toBe(0);
    await w.tree.grant(privateF, `user:${p.userId}`, 3);
    expect(await w.acl.level(db, p, doc)).toBe(3);
    // a grant on the moved folder itself goes with it
    await w.tree.grant(inner, `user:${p.userId}`, 4);
    await w.tree.move(moving, shared);
    expect(await w.acl.level(db, p, doc)).toBe(4);
    expect(await w.acl.level(db, p, moving)).toBe(1);
  });

  it('deleted parents: nothing under a trashed folder is reachable, but the trash sees the old level', async () => {
    const db = w.t.hub.db;
    const p = await w.quickPerson('ASSOCIATE', 'A');
    const folder = await w.tree.folder(ROOT, 'To the trash');
    const sub = await w.tree.folder(folder, 'Sub');
    const doc = await w.tree.doc(sub, 't.txt');
    await w.tree.grant(folder, `user:${p.userId}`, 3);
    await w.tree.trash(folder);
    expect(await w.acl.level(db, p, doc)).toBe(0);
    expect(await w.acl.level(db, p, folder)).toBe(0);
    await expect(w.acl.require(db, p, doc, 'READ')).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.acl.require(db, p, folder, 'DELETE', { trashed: true })).resolves.toMatchObject({
      id: folder,
      level: 3,
    });
    // an active node is not found "in the trash"
    await expect(w.acl.require(db, adminOf(w), ROOT, 'READ', { trashed: true })).rejects.toBeInstanceOf(NotFoundError);
    const other = await w.quickPerson('ASSOCIATE', 'B');
    await expect(w.acl.require(db, other, folder, 'READ', { trashed: true })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('store subjects: a store’s token and its people read what is shared with the store, another store nothing', async () => {
    const db = w.t.hub.db;
    const asocA = await w.quickPerson('ASSOCIATE', 'A');
    const asocB = await w.quickPerson('ASSOCIATE', 'B');
    const folder = await w.tree.folder(ROOT, 'Store A handbook');
    const doc = await w.tree.doc(folder, 'opening.pdf');
    await w.tree.grant(folder, `store:${w.storeA.id}`, 1);
    expect(await w.acl.level(db, storeToken(w.storeA.id), doc)).toBe(1);
    expect(await w.acl.level(db, asocA, doc)).toBe(1);
    expect(await w.acl.level(db, storeToken(w.storeB.id), doc)).toBe(0);
    expect(await w.acl.level(db, asocB, doc)).toBe(0);
    const feedA = await w.acl.readableDocuments(db, w.acl.storeSubjects(w.storeA.id), { after: null, limit: 1000 });
    const feedB = await w.acl.readableDocuments(db, w.acl.storeSubjects(w.storeB.id), { after: null, limit: 1000 });
    expect(feedA.ids).toContain(doc);
    expect(feedB.ids).not.toContain(doc);
    // a person's own share is theirs, not their store's handheld's
    const personal = await w.tree.doc(folder, 'personal.pdf');
    await w.tree.grant(personal, `user:${asocB.userId}`, 1);
    const feedB2 = await w.acl.readableDocuments(db, w.acl.storeSubjects(w.storeB.id), { after: null, limit: 1000 });
    expect(feedB2.ids).not.toContain(personal);
    expect(await w.acl.level(db, asocB, personal)).toBe(1);
  });

  it('role subjects and everyone; head office is OWNER through the root’s grant, not by its role', async () => {
    const db = w.t.hub.db;
    const mgrA = await w.quickPerson('STORE_MANAGER', 'A');
    const asocA = await w.quickPerson('ASSOCIATE', 'A');
    const folder = await w.tree.folder(ROOT, 'Managers');
    const doc = await w.tree.doc(folder, 'pay.xlsx');
    await w.tree.grant(folder, 'role:STORE_MANAGER', 2);
    expect(await w.acl.level(db, mgrA, doc)).toBe(2);
    expect(await w.acl.level(db, asocA, doc)).toBe(0);
    expect(await w.acl.level(db, storeToken(w.storeA.id), doc)).toBe(0);
    const open = await w.tree.folder(ROOT, 'Everyone');
    const notice = await w.tree.doc(open, 'notice.txt');
    await w.tree.grant(open, 'everyone', 1);
    for (const p of [mgrA, asocA, storeToken(w.storeA.id), storeToken(w.storeB.id)])
      expect(await w.acl.level(db, p, notice)).toBe(1);

    const admin2 = await w.quickPerson('ADMIN', null);
    expect(await w.acl.level(db, admin2, doc)).toBe(5);
    // take the root's role:ADMIN grant away (another owner kept): the role alone gives nothing
    await w.tree.grant(ROOT, 'user:keeper', 5);
    await w.tree.ungrant(ROOT, 'role:ADMIN');
    try {
      expect(await w.acl.level(db, admin2, doc)).toBe(0);
    } finally {
      await w.tree.grant(ROOT, 'role:ADMIN', 5);
      await w.tree.ungrant(ROOT, 'user:keeper');
    }
    expect(await w.acl.level(db, admin2, doc)).toBe(5);
  });

  it('missing, malformed and unreadable ids answer alike: not found', async () => {
    const db = w.t.hub.db;
    const p = await w.quickPerson('ASSOCIATE', 'B');
    const hidden = await w.tree.doc(await w.tree.folder(ROOT, 'Hidden'), 'h.txt');
    for (const id of [hidden, '7b1f2a6e-0000-4000-8000-000000000001', 'not-a-uuid', "' OR 1=1 --"]) {
      const err = await w.acl.require(db, p, id, 'READ').catch((e) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect(await w.acl.level(db, p, id)).toBe(0);
    }
  });
});

function adminOf(w: { readonly t: { hub: { db: unknown } } }): Principal {
  void w;
  return { kind: 'user', userId: 'admin-of-tests' as never, role: 'ADMIN', storeId: null };
}
