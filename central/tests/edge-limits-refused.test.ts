import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/** A clock the test holds still (a whole burst lands in one window however slow the machine is). */
function heldClock() {
  const clock = { at: undefined as number | undefined };
  return { clock, now: () => clock.at ?? Date.now() };
}

const bearerOf = (cookie: string) => cookie.slice('sf_session='.length);
const BAD = 'Bearer not-a-token';

describe.each(dbTargets)(
  'refused credentials count toward the request limits on $name (issue #27, review 7)',
  (target) => {
    let t: TestHub;
    const { clock, now } = heldClock();
    let admin: string;
    /** How many credentials reached the hub's check (a session lookup or a token's verification). */
    let checked = 0;

    beforeAll(async () => {
      t = await TestHub.start(target, {
        now,
        trustProxy: true,
        edge: { rateLimits: { userPerSecond: 1000, storePerSecond: 0, customerPerSecond: 0, anonymousPerSecond: 5 } },
      });
      admin = bearerOf(await t.login());
      const auth = t.hub.auth;
      const principalFor = auth.principalFor.bind(auth);
      auth.principalFor = (credential: string) => {
        checked++;
        return principalFor(credential);
      };
    });
    afterEach(() => {
      clock.at = undefined;
    });
    afterAll(() => t?.stop());

    const from = (ip: string, authorization: string, path = '/api/auth/me') =>
      fetch(`${t.url}${path}`, { headers: { 'x-forwarded-for': ip, authorization } });

    it('60 bad bearers from one address at once: 429s appear, then no more credentials are checked from it; a good one elsewhere is unaffected', {
      timeout: 180_000,
    }, async () => {
      clock.at = Math.ceil(Date.now() / 1000) * 1000 + 100; // 100 ms into a second, held there
      const burst = await Promise.all(Array.from({ length: 60 }, () => from('203.0.113.50', BAD)));
      const statuses = burst.map((r) => r.status);
      const refused = statuses.filter((s) => s === 401).length;
      const limited = burst.filter((r) => r.status === 429);
      expect(refused + limited.length).toBe(60);
      expect(limited.length).toBeGreaterThan(0);
      const one = limited[0]!;
      expect(one.headers.get('content-type')).toContain('application/problem+json');
      expect(one.headers.get('retry-after')).toBe('1');
      expect((await one.json()).detail).toBe(
        'too many refused credentials: at most 5 a second from an address; try again in 1 s',
      );
      // past the budget, the address is refused before authentication: no credential of it is looked at
      const before = checked;
      for (let i = 0; i < 10; i++) expect((await from('203.0.113.50', BAD)).status).toBe(429);
      expect(checked).toBe(before);
      // another address, with a good credential, in the same second
      const good = await from('203.0.113.51', `Bearer ${admin}`);
      expect(good.status).toBe(200);
      expect((await good.json()).email).toBe('admin@example.test');
      // and a bad one from another address is still answered why (its own budget)
      expect((await from('203.0.113.52', BAD)).status).toBe(401);
      // the next second, the address is heard again
      clock.at += 1000;
      expect((await from('203.0.113.50', `Bearer ${admin}`)).status).toBe(200);
    });

    it('counts sequential guesses too: the 6th bad bearer from an address in a second is 429', {
      timeout: 180_000,
    }, async () => {
      clock.at = Math.ceil(Date.now() / 1000) * 1000 + 100;
      for (let i = 0; i < 5; i++) expect((await from('198.51.100.9', `Bearer guess-${i}`)).status).toBe(401);
      expect((await from('198.51.100.9', 'Bearer guess-5')).status).toBe(429);
    });
  },
);
