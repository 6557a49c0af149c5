import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/index.js';
import { bothDbTargets, dbTargets, type DbTarget } from './support/db-targets.js';
import { ADMIN, TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';

/** A clock the test holds still (a whole second's requests land in one window however slow the machine is). */
function heldClock() {
  const clock = { at: undefined as number | undefined };
  return { clock, now: () => clock.at ?? Date.now() };
}

const PASSWORD = 'a long enough password';
const bearerOf = (cookie: string) => cookie.slice('sf_session='.length);

describe.each(dbTargets)('request limits at the API edge on $name (issue #27)', (target) => {
  let t: TestHub;
  const { clock, now } = heldClock();

  let admin: string;
  let ola: string;

  beforeAll(async () => {
    t = await TestHub.start(target, {
      now,
      trustProxy: true,
      edge: { rateLimits: { userPerSecond: 10, storePerSecond: 0, customerPerSecond: 0, anonymousPerSecond: 5 } },
    });
    admin = bearerOf(await t.login());
    await t.hub.auth.createUser({ email: 'ola@example.test', name: 'Ola', role: 'ADMIN', password: PASSWORD });
    ola = bearerOf(await t.login('ola@example.test', PASSWORD));
  });
  afterEach(() => {
    clock.at = undefined;
  });
  afterAll(() => t?.stop());

  it("refuses a person's 11th request in a second with 429 and Retry-After, not another person's, and lets the next second through", {
    timeout: 180_000,
  }, async () => {
    clock.at = Math.ceil(Date.now() / 1000) * 1000 + 100; // 100 ms into a second, held there
    for (let i = 0; i < 10; i++)
      expect((await t.call('GET', '/api/auth/me', undefined, { bearer: admin })).status).toBe(200);
    const refused = await t.call('GET', '/api/auth/me', undefined, { bearer: admin });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toBe('too many requests: at most 10 a second for a person; try again in 1 s');
    // a write refused changes nothing either
    const write = await t.call(
      'POST',
      '/api/users',
      { email: 'nobody@example.test', name: 'No', role: 'ADMIN', password: PASSWORD },
      { bearer: admin },
    );
    expect(write.status).toBe(429);
    expect((await t.call('GET', '/api/auth/me', undefined, { bearer: ola })).status).toBe(200);
    clock.at += 1000;
    expect((await t.call('GET', '/api/auth/me', undefined, { bearer: admin })).status).toBe(200);
    const users = await t.call('GET', '/api/users', undefined, { bearer: admin });
    expect(users.body.items.map((u: { email: string }) => u.email)).not.toContain('nobody@example.test');
    clock.at = undefined;
  });

  it('counts anonymous callers per address; /healthz is never counted', { timeout: 180_000 }, async () => {
    clock.at = Math.ceil(Date.now() / 1000) * 1000 + 100;
    const from = (ip: string) =>
      fetch(`${t.url}/api/auth/me`, { headers: { 'x-forwarded-for': ip } }).then((r) => r.status);
    for (let i = 0; i < 5; i++) expect(await from('203.0.113.7')).toBe(401);
    expect(await from('203.0.113.7')).toBe(429);
    expect(await from('203.0.113.8')).toBe(401);
    // an IPv6 /64 is one address
    for (let i = 0; i < 5; i++) expect(await from(`2001:db8:0:1::${i + 1}`)).toBe(401);
    expect(await from('2001:db8:0:1::99')).toBe(429);
    for (let i = 0; i < 10; i++) expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    clock.at = undefined;
  });
});

const postgres = bothDbTargets.find((d) => d.name === 'postgres');

describe.skipIf(!postgres)('request limits shared by two hub replicas on one Postgres (issue #27)', () => {
  let t1: TestHub;
  let hub2: Hub;
  let url2: string;
  const { clock, now } = heldClock();
  const edge = { rateLimits: { userPerSecond: 10, storePerSecond: 0, customerPerSecond: 0, anonymousPerSecond: 0 } };

  beforeAll(async () => {
    const place = await postgres!.open();
    const shared: DbTarget = { name: 'postgres', open: async () => place };
    t1 = await TestHub.start(shared, { now, edge, replica: 'limits-1' });
    hub2 = await createHub({
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      databaseUrl: place.databaseUrl,
      now,
      edge,
      replica: 'limits-2',
    });
    url2 = await hub2.start();
  });
  afterEach(() => {
    clock.at = undefined;
  });
  afterAll(async () => {
    await hub2?.stop();
    await t1?.stop();
  });

  it("holds one person's limit across both replicas: 2 × 8 calls in one second, the 11th and after refused", {
    timeout: 180_000,
  }, async () => {
    const bearer = bearerOf(await t1.login(ADMIN.email, ADMIN.password));
    const me = (url: string) =>
      fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${bearer}` } }).then((r) => r.status);
    clock.at = Math.ceil(Date.now() / 1000) * 1000 + 100;
    const first: number[] = [];
    for (let i = 0; i < 8; i++) first.push(await me(t1.url));
    expect(first.every((s) => s === 200)).toBe(true);
    // once replica 1 has written its count, replica 2 knows 8 are spent in this second
    await waitFor(
      "replica 1's count in the shared table",
      async () => {
        const { rows } = await t1.hub.db.query<{ count: number }>(
          "SELECT count FROM edge_request_counts WHERE replica = 'limits-1' AND key LIKE 'user:%'",
        );
        return rows.some((r) => Number(r.count) === 8);
      },
      10_000,
    );
    const firstOn2 = await me(url2);
    expect(firstOn2).toBe(200);
    // replica 2 now holds this caller's key: its next flush writes its count of 1 and, in the same statement, reads
    // replica 1's 8 (already in the table); once its row is there, replica 2 has heard replica 1
    await waitFor(
      "replica 2's count in the shared table, written by the flush that read replica 1's",
      async () => {
        const { rows } = await t1.hub.db.query<{ count: number }>(
          "SELECT count FROM edge_request_counts WHERE replica = 'limits-2' AND key LIKE 'user:%'",
        );
        return rows.some((r) => Number(r.count) === 1);
      },
      10_000,
    );
    const second: number[] = [];
    for (let i = 0; i < 7; i++) second.push(await me(url2));
    // 8 on replica 1 and 1 on replica 2 heard: one more is let through, then the person's 11th and after are refused
    expect(second).toEqual([200, 429, 429, 429, 429, 429, 429]);
    clock.at = undefined;
  });
});
