import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../../../index.js';
import { dbTargets, type DbTarget } from '../../../../tests/support/db-targets.js';
import { ADMIN, TestHub } from '../../../../tests/support/test-hub.js';
import { ROOT, Tree } from './acl-fixture.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');
const ROUNDS = 30;

/**
 * Read-your-writes across replicas (issue #22): two hub processes on one Postgres. A revoke that returned on one is
 * honoured by the very next check on the other — no cache anywhere to go stale. Each round shares a document with a
 * person through hub 1, sees it allowed through hub 2, revokes through hub 1 and checks through hub 2 at once.
 */
describe.skipIf(!postgres)('a revoke on one hub is seen by the next check on another (Postgres)', () => {
  let place: Awaited<ReturnType<DbTarget['open']>> | undefined;
  let hub1: TestHub | undefined;
  let hub2: Hub | undefined;
  afterAll(async () => {
    await hub2?.stop().catch(() => undefined);
    await hub1?.stop().catch(() => undefined);
    await place?.drop();
  });

  it(`${ROUNDS} rounds of share, check, revoke, check: no stale answer`, { timeout: 180_000 }, async () => {
    place = await postgres!.open();
    const shared = place;
    hub1 = await TestHub.start({ name: 'postgres', open: async () => ({ ...shared, drop: async () => {} }) });
    hub2 = await createHub({ port: 0, logLevel: 'silent', mode: 'test', databaseUrl: place.databaseUrl });
    const url2 = await hub2.start();
    const admin1 = await hub1.login();
    // the session lives in the database: the same cookie signs in at hub 2
    const at2 = async (path: string) => {
      const res = await fetch(url2 + path, { headers: { cookie: admin1 } });
      return { status: res.status, body: (await res.json()) as { allowed: boolean; level: string | null } };
    };
    const email = `replica-${randomUUID().slice(0, 8)}@example.test`;
    // a store's manager: no grant reaches them but the one each round gives and takes
    const store = await hub1.store(`RP${Date.now() % 100000}`, admin1);
    const mgr = await hub1.hub.auth.createUser({
      email: `m-${email}`,
      password: ADMIN.password,
      name: 'Replica manager',
      role: 'STORE_MANAGER',
      storeId: store.id as never,
    });
    const tree = new Tree(hub1.hub.db);
    const folder = await tree.folder(ROOT, 'Replicated');
    const doc = await tree.doc(folder, 'r.txt');
    const subject = encodeURIComponent(`user:${mgr.id}`);
    const check = `/api/vault/check?nodeId=${doc}&permission=READ&userId=${mgr.id}`;

    let stale = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const put = await hub1.call(
        'PUT',
        `/api/vault/nodes/${folder}/grants/${subject}`,
        { permission: 'READ' },
        { cookie: admin1 },
      );
      expect(put.status).toBe(200);
      const granted = await at2(check);
      expect(granted).toEqual({ status: 200, body: { allowed: true, level: 'READ', permission: 'READ' } });
      const del = await hub1.call('DELETE', `/api/vault/nodes/${folder}/grants/${subject}`, undefined, {
        cookie: admin1,
      });
      expect(del.status).toBe(204);
      const after = await at2(check);
      if (after.body.allowed) stale++;
    }
    expect(stale).toBe(0);
  });
});
