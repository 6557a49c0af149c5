import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { aclWorld, ROOT } from './acl-fixture.js';

const enc = encodeURIComponent;

/** The audit lines the vault wrote for a node, oldest first (read straight from the table). */
async function auditOf(db: { query: (sql: string, p?: unknown[]) => Promise<{ rows: any[] }> }, nodeId: string) {
  const { rows } = await db.query(
    'SELECT actor, action, detail FROM vault_audit WHERE node_id = $1::uuid ORDER BY seq',
    [nodeId],
  );
  return rows.map((r) => ({ ...r, detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail }));
}

describe.each(dbTargets)('vault grants, check and groups over HTTP on $name', (target) => {
  const w = aclWorld(target);

  it('shares, lists direct and inherited grants, changes and revokes them — each audited, bad input refused', async () => {
    const db = w.t.hub.db;
    const admin = { cookie: w.admin };
    const mgr = await w.person('STORE_MANAGER', 'A');
    const asocA = await w.person('ASSOCIATE', 'A');
    const asocB = await w.person('ASSOCIATE', 'B');
    const folder = await w.tree.folder(ROOT, 'Shared by HQ');
    const doc = await w.tree.doc(folder, 'sop.pdf');

    const put = await w.t.call(
      'PUT',
      `/api/vault/nodes/${folder}/grants/${enc(`user:${mgr.userId}`)}`,
      {
        permission: 'SHARE',
      },
      admin,
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      nodeId: folder,
      subject: `user:${mgr.userId}`,
      permission: 'SHARE',
      inherited: false,
    });

    // the manager, with SHARE, shares on with their store's associate (up to SHARE; OWNER is the owner's to give)
    const asMgr = { cookie: mgr.cookie };
    expect(
      (
        await w.t.call(
          'PUT',
          `/api/vault/nodes/${doc}/grants/${enc(`user:${asocA.userId}`)}`,
          { permission: 'WRITE' },
          asMgr,
        )
      ).status,
    ).toBe(200);
    const owner = await w.t.call(
      'PUT',
      `/api/vault/nodes/${doc}/grants/${enc(`store:${w.storeA.id}`)}`,
      { permission: 'OWNER' },
      asMgr,
    );
    expect(owner.status).toBe(403);
    expect(owner.body.detail).toContain('OWNER');

    const list = await w.t.call('GET', `/api/vault/nodes/${doc}/grants`, undefined, asMgr);
    expect(list.status).toBe(200);
    // the root's grant (role:ADMIN) sits on a folder the manager cannot read: counted, not named
    expect(list.body.hiddenInherited).toBe(1);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        nodeId: folder,
        nodeName: 'Shared by HQ',
        subject: `user:${mgr.userId}`,
        permission: 'SHARE',
        inherited: true,
      }),
      expect.objectContaining({ nodeId: doc, subject: `user:${asocA.userId}`, permission: 'WRITE', inherited: false }),
    ]);
    // the associate may write but not see who else may: SHARE is needed to list grants
    const asA = { cookie: asocA.cookie };
    const denied = await w.t.call('GET', `/api/vault/nodes/${doc}/grants`, undefined, asA);
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('SHARE');
    // another store's person is told nothing: 404 like a missing node; a store's token never shares
    expect((await w.t.call('GET', `/api/vault/nodes/${doc}/grants`, undefined, { cookie: asocB.cookie })).status).toBe(
      404,
    );
    expect(
      (
        await w.t.call(
          'PUT',
          `/api/vault/nodes/${doc}/grants/everyone`,
          { permission: 'READ' },
          { bearer: w.storeA.token },
        )
      ).status,
    ).toBe(403);

    // hostile or wrong input: 400 / 422 and nothing changes
    const before = (await db.query('SELECT count(*)::int AS n FROM vault_grants')).rows[0]!.n;
    const bad: [string, unknown, number][] = [
      [`/api/vault/nodes/not-a-uuid/grants/everyone`, { permission: 'READ' }, 400],
      [`/api/vault/nodes/${doc}/grants/${enc('user:../../etc')}`, { permission: 'READ' }, 400],
      [`/api/vault/nodes/${doc}/grants/${enc('role:GOD')}`, { permission: 'READ' }, 400],
      [`/api/vault/nodes/${doc}/grants/everyone`, { permission: 'ADMIN' }, 400],
      [`/api/vault/nodes/${doc}/grants/everyone`, { permission: 'READ', extra: 1 }, 400],
      [`/api/vault/nodes/${doc}/grants/everyone`, [], 400],
      [
        `/api/vault/nodes/${doc}/grants/${enc('user:5b0e4a35-1111-4000-8000-000000000000')}`,
        { permission: 'READ' },
        422,
      ],
      [`/api/vault/nodes/${doc}/grants/${enc('user:nobody')}`, { permission: 'READ' }, 422],
      [
        `/api/vault/nodes/${doc}/grants/${enc('group:5b0e4a35-1111-4000-8000-000000000000')}`,
        { permission: 'READ' },
        422,
      ],
      [`/api/vault/nodes/${doc}/grants/${enc(`store:${mgr.userId}`)}`, { permission: 'READ' }, 422],
      [`/api/vault/nodes/5b0e4a35-1111-4000-8000-000000000000/grants/everyone`, { permission: 'READ' }, 404],
    ];
    for (const [path, body, status] of bad) {
      const res = await w.t.call('PUT', path, body, admin);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type')).toContain('problem+json');
    }
    expect((await db.query('SELECT count(*)::int AS n FROM vault_grants')).rows[0]!.n).toBe(before);

    // revoke: 204, then the associate is answered as if the document did not exist
    expect(
      (await w.t.call('DELETE', `/api/vault/nodes/${doc}/grants/${enc(`user:${asocA.userId}`)}`, undefined, asMgr))
        .status,
    ).toBe(204);
    expect((await w.t.call('GET', `/api/vault/check?nodeId=${doc}&permission=READ`, undefined, asA)).body).toEqual({
      allowed: false,
      level: null,
      permission: 'READ',
    });
    expect(
      (await w.t.call('DELETE', `/api/vault/nodes/${doc}/grants/${enc(`user:${asocA.userId}`)}`, undefined, asMgr))
        .status,
    ).toBe(404);

    const trail = await auditOf(db, doc);
    expect(trail).toEqual([
      expect.objectContaining({
        actor: `user:${mgr.userId}`,
        action: 'SHARE',
        detail: expect.objectContaining({ subject: `user:${asocA.userId}`, permission: 'WRITE' }),
      }),
      expect.objectContaining({
        actor: `user:${mgr.userId}`,
        action: 'REVOKE',
        detail: expect.objectContaining({ subject: `user:${asocA.userId}`, permission: 'WRITE' }),
      }),
    ]);
  });

  it('keeps the root’s last OWNER, and only an OWNER removes or lowers an OWNER', async () => {
    const admin = { cookie: w.admin };
    const root = await w.t.call('DELETE', `/api/vault/nodes/${ROOT}/grants/${enc('role:ADMIN')}`, undefined, admin);
    expect(root.status).toBe(409);
    const lower = await w.t.call(
      'PUT',
      `/api/vault/nodes/${ROOT}/grants/${enc('role:ADMIN')}`,
      { permission: 'SHARE' },
      admin,
    );
    expect(lower.status).toBe(409);
    expect(
      (await w.t.call('GET', `/api/vault/check?nodeId=${ROOT}&permission=OWNER`, undefined, admin)).body,
    ).toMatchObject({ allowed: true, level: 'OWNER' });

    const mgr = await w.person('STORE_MANAGER', 'A');
    const f = await w.tree.folder(ROOT, 'Owned');
    await w.tree.grant(f, `user:${mgr.userId}`, 4);
    await w.tree.grant(f, `store:${w.storeB.id}`, 5); // another store's: the manager stays at SHARE
    const res = await w.t.call('DELETE', `/api/vault/nodes/${f}/grants/${enc(`store:${w.storeB.id}`)}`, undefined, {
      cookie: mgr.cookie,
    });
    expect(res.status).toBe(403);
  });

  it('the check: one’s own level, head office asking about a person, nobody else asking', async () => {
    const admin = { cookie: w.admin };
    const asocA = await w.person('ASSOCIATE', 'A');
    const asocB = await w.person('ASSOCIATE', 'B');
    const f = await w.tree.folder(ROOT, 'Checked');
    const doc = await w.tree.doc(f, 'c.txt');
    await w.tree.grant(f, `store:${w.storeA.id}`, 2);
    const check = (q: string, who: { cookie?: string; bearer?: string }) =>
      w.t.call('GET', `/api/vault/check?${q}`, undefined, who);

    expect((await check(`nodeId=${doc}&permission=WRITE`, { cookie: asocA.cookie })).body).toEqual({
      allowed: true,
      level: 'WRITE',
      permission: 'WRITE',
    });
    expect((await check(`nodeId=${doc}&permission=DELETE`, { cookie: asocA.cookie })).body).toEqual({
      allowed: false,
      level: 'WRITE',
      permission: 'DELETE',
    });
    expect((await check(`nodeId=${doc}&permission=READ&userId=${asocA.userId}`, admin)).body).toEqual({
      allowed: true,
      level: 'WRITE',
      permission: 'READ',
    });
    expect((await check(`nodeId=${doc}&permission=READ&userId=${asocB.userId}`, admin)).body).toEqual({
      allowed: false,
      level: null,
      permission: 'READ',
    });
    expect((await check(`nodeId=${doc}&permission=READ&userId=${asocB.userId}`, { cookie: asocA.cookie })).status).toBe(
      403,
    );
    expect((await check(`nodeId=${doc}&permission=READ`, { bearer: w.storeA.token })).status).toBe(403);
    expect(
      (await check(`nodeId=5b0e4a35-1111-4000-8000-000000000000&permission=READ&userId=${asocB.userId}`, admin)).status,
    ).toBe(404);
    expect(
      (await check(`nodeId=${doc}&permission=READ&userId=5b0e4a35-1111-4000-8000-000000000000`, admin)).status,
    ).toBe(422);
    for (const q of [
      '',
      `nodeId=${doc}`,
      `nodeId=x&permission=READ`,
      `nodeId=${doc}&permission=read`,
      `nodeId=${doc}&permission=READ&x=1`,
    ])
      expect((await check(q, admin)).status, q).toBe(400);
  });

  it('groups: head office makes them, fills them, and a grant to one reaches its members at the next check', async () => {
    const admin = { cookie: w.admin };
    const p = await w.person('ASSOCIATE', 'B', 'Zoë Member');
    const made = await w.t.call('POST', '/api/vault/groups', { name: 'Regional auditors' }, admin);
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ id: expect.any(String), name: 'Regional auditors', members: [] });
    const id = made.body.id as string;
    expect((await w.t.call('POST', '/api/vault/groups', { name: 'regional AUDITORS' }, admin)).status).toBe(409);
    expect((await w.t.call('POST', '/api/vault/groups', { name: '' }, admin)).status).toBe(400);
    expect((await w.t.call('POST', '/api/vault/groups', { name: 'x' }, { cookie: p.cookie })).status).toBe(403);
    expect((await w.t.call('GET', '/api/vault/groups', undefined, { bearer: w.storeA.token })).status).toBe(403);

    const added = await w.t.call('PUT', `/api/vault/groups/${id}/members/${p.userId}`, undefined, admin);
    expect(added.status).toBe(200);
    expect(added.body.members).toEqual([
      { userId: p.userId, email: expect.stringContaining('@example.test'), name: 'Zoë Member' },
    ]);
    expect(
      (await w.t.call('PUT', `/api/vault/groups/${id}/members/5b0e4a35-1111-4000-8000-000000000000`, undefined, admin))
        .status,
    ).toBe(422);
    expect(
      (
        await w.t.call(
          'PUT',
          `/api/vault/groups/5b0e4a35-1111-4000-8000-000000000000/members/${p.userId}`,
          undefined,
          admin,
        )
      ).status,
    ).toBe(404);

    const f = await w.tree.folder(ROOT, 'For auditors');
    const doc = await w.tree.doc(f, 'ledger.csv');
    expect(
      (await w.t.call('PUT', `/api/vault/nodes/${f}/grants/${enc(`group:${id}`)}`, { permission: 'READ' }, admin))
        .status,
    ).toBe(200);
    const mine = () =>
      w.t.call('GET', `/api/vault/check?nodeId=${doc}&permission=READ`, undefined, { cookie: p.cookie });
    expect((await mine()).body.allowed).toBe(true);
    expect((await w.t.call('GET', `/api/vault/groups/${id}`, undefined, admin)).body.members).toHaveLength(1);
    expect((await w.t.call('GET', '/api/vault/groups', undefined, admin)).body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, name: 'Regional auditors' })]),
    );

    expect((await w.t.call('DELETE', `/api/vault/groups/${id}/members/${p.userId}`, undefined, admin)).status).toBe(
      204,
    );
    expect((await mine()).body.allowed).toBe(false);
    expect((await w.t.call('DELETE', `/api/vault/groups/${id}`, undefined, admin)).status).toBe(204);
    expect((await w.t.call('GET', `/api/vault/groups/${id}`, undefined, admin)).status).toBe(404);
    expect(
      (await w.t.call('GET', `/api/vault/nodes/${f}/grants`, undefined, admin)).body.items.map(
        (g: { subject: string }) => g.subject,
      ),
    ).toEqual(['role:ADMIN']);
    expect((await w.t.call('GET', '/api/vault/groups/not-a-uuid', undefined, admin)).status).toBe(400);
  });
});
