import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey, personLimits } from '../src/auth/rate-limit.js';
import { dbTargets } from './support/db-targets.js';
import { callFrom, type AnswerFrom } from './support/from-address.js';
import { ADMIN, TestHub } from './support/test-hub.js';

/**
 * Sign-in limits as an attacker meets them: concurrent bursts, many accounts from one address, one account from many
 * addresses, and wrong sign-ins and exchanges next to a store's credential exchange behind the same NAT. Each test plays its clients from its own
 * loopback address (127.0.0.x), so the per-address limits of one test do not touch another's.
 */
describe.each(dbTargets)('sign-in limits on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string; secret: string };
  const victim = { email: 'victim@example.test', password: 'the right password' };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    store = await t.store('L001', admin);
    await t.call('POST', '/api/users', { ...victim, name: 'Victim', role: 'ADMIN' }, { cookie: admin });
  });
  afterAll(() => t?.stop());

  const login = (from: string, email: string, password: string) =>
    callFrom(t.url, from, 'POST', '/api/auth/login', { email, password });
  const exchange = (from: string, storeId: string, secret: string) =>
    callFrom(t.url, from, 'POST', '/api/auth/store-token', { storeId, secret });
  const tally = (answers: readonly AnswerFrom[]) => {
    const n = (status: number) => answers.filter((a) => a.status === status).length;
    return { checked: n(401), limited: n(429), other: answers.length - n(401) - n(429) };
  };
  const expectLimited = (a: AnswerFrom) => {
    expect(a.status).toBe(429);
    expect(a.headers['content-type']).toContain('application/problem+json');
    expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
  };

  it.each([20, 100])(
    'checks at most five of %i concurrent wrong passwords for one account; the rest get 429',
    async (n) => {
      const from = n === 20 ? '127.0.0.11' : '127.0.0.12';
      const answers = await Promise.all(Array.from({ length: n }, (_, i) => login(from, victim.email, `guess ${i}`)));
      expect(tally(answers)).toEqual({ checked: 5, limited: n - 5, other: 0 });
      for (const a of answers.filter((x) => x.status === 429)) expectLimited(a);
      // The right password now waits too: the burst used the account's attempts up.
      expectLimited(await login(from, victim.email, victim.password));
    },
  );

  it('checks at most fifty of 100 concurrent wrong sign-ins on different accounts from one address', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => login('127.0.0.13', `nobody${i}@example.test`, 'a guess')),
    );
    expect(tally(answers)).toEqual({ checked: 50, limited: 50, other: 0 });
    expectLimited(await login('127.0.0.13', ADMIN.email, ADMIN.password));
    // Another address is not affected.
    expect((await login('127.0.0.14', ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  it('gives a successful sign-in its attempt back, so people who sign in often never fill the address limit', async () => {
    const from = '127.0.0.15';
    for (let i = 0; i < 49; i++) expect((await login(from, `stranger${i}@example.test`, 'a guess')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await login(from, ADMIN.email, ADMIN.password)).status).toBe(200);
    expect((await login(from, 'stranger-last@example.test', 'a guess')).status).toBe(401); // the 50th failure
    expectLimited(await login(from, ADMIN.email, ADMIN.password));
  });

  it("lets a store exchange its credential from an address where people's sign-ins failed fifty times and more", async () => {
    const from = '127.0.0.16';
    const answers: AnswerFrom[] = [];
    for (let i = 0; i < 55; i++) answers.push(await login(from, `staff${i}@example.test`, 'a wrong password'));
    expect(tally(answers)).toEqual({ checked: 50, limited: 5, other: 0 });
    const exchanged = await exchange(from, store.id, store.secret);
    expect(exchanged.status).toBe(200);
    expect(typeof exchanged.body.token).toBe('string');
  });

  it("never refuses a store's right secret, however many wrong exchanges came from its address", async () => {
    const from = '127.0.0.17';
    const madeUp = (i: number) => `0190a0e0-0000-7000-8000-${String(i).padStart(12, '0')}`;
    const wrong = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => exchange(from, madeUp(i), 'not the secret')),
      ...Array.from({ length: 15 }, () => exchange(from, store.id, 'not the secret')),
      ...Array.from({ length: 15 }, () => exchange(from, store.id.toUpperCase(), 'not the secret')),
    ]);
    expect(tally(wrong)).toEqual({ checked: 70, limited: 0, other: 0 }); // each one checked and refused, none limited
    const exchanged = await exchange(from, store.id, store.secret);
    expect(exchanged.status).toBe(200);
    expect(typeof exchanged.body.token).toBe('string');
    // The id in another case is the same store, and its token names the store as it is stored.
    const upper = await exchange(from, store.id.toUpperCase(), store.secret);
    expect(upper.status).toBe(200);
    const claims = JSON.parse(Buffer.from(String(upper.body.token).split('.')[1]!, 'base64url').toString());
    expect(claims.sub).toBe(store.id);
    expect((await t.call('GET', `/api/locations/${store.id}`, undefined, { bearer: upper.body.token })).status).toBe(
      200,
    );
    // A person at that address signs in: stores' failures do not fill people's limit either.
    expect((await login(from, ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  it('caps one account at twenty failures across addresses, still five per address', async () => {
    const spread = { email: 'spread@example.test', password: 'the right password' };
    expect(
      (await t.call('POST', '/api/users', { ...spread, name: 'Spread', role: 'ADMIN' }, { cookie: admin })).status,
    ).toBe(201);
    const addresses = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25'];
    // Six tries from each of five addresses: five checked at each (the per-address cap), but only twenty in all.
    const answers = await Promise.all(
      addresses.flatMap((from) => Array.from({ length: 6 }, (_, i) => login(from, spread.email, `guess ${i}`))),
    );
    expect(tally(answers)).toEqual({ checked: 20, limited: 10, other: 0 });
    // The account is closed from everywhere for the window, the right password (in another case) too…
    expectLimited(await login('127.0.0.26', ' Spread@Example.test ', spread.password));
    // …while other accounts at those addresses are not.
    expect((await login('127.0.0.26', ADMIN.email, ADMIN.password)).status).toBe(200);
    t.clock.offsetMs = 16 * 60_000;
    try {
      expect((await login('127.0.0.26', spread.email, spread.password)).status).toBe(200);
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it('never locks the owner out at the address they signed in from, however many wrong passwords come from elsewhere', async () => {
    const owner = { email: 'owner@example.test', password: 'the right password' };
    expect(
      (await t.call('POST', '/api/users', { ...owner, name: 'Owner', role: 'ADMIN' }, { cookie: admin })).status,
    ).toBe(201);
    const home = '127.0.0.41';
    expect((await login(home, owner.email, owner.password)).status).toBe(200);
    const { rows } = await t.hub.db.query<{ address: string }>(
      'SELECT address FROM sign_in_known_addresses WHERE account = $1',
      [owner.email],
    );
    expect(rows).toEqual([{ address: home }]);
    // Twenty wrong passwords from five other addresses fill the account-wide cap…
    const attackers = ['127.0.0.42', '127.0.0.43', '127.0.0.44', '127.0.0.45', '127.0.0.46'];
    const answers = await Promise.all(
      attackers.flatMap((from) => Array.from({ length: 5 }, (_, i) => login(from, owner.email, `guess ${i}`))),
    );
    expect(tally(answers)).toEqual({ checked: 20, limited: 5, other: 0 });
    expectLimited(await login('127.0.0.47', owner.email, owner.password)); // …so a new address waits…
    expect((await login(home, ' Owner@Example.test ', owner.password)).status).toBe(200); // …and the owner's does not.
    // The owner's address still has its own cap of five for the account.
    const guesses = await Promise.all(Array.from({ length: 6 }, (_, i) => login(home, owner.email, `typo ${i}`)));
    expect(tally(guesses)).toEqual({ checked: 5, limited: 1, other: 0 });
  });

  it('forgets a known address 30 days after its last successful sign-in', async () => {
    const away = { email: 'away@example.test', password: 'the right password' };
    expect(
      (await t.call('POST', '/api/users', { ...away, name: 'Away', role: 'ADMIN' }, { cookie: admin })).status,
    ).toBe(201);
    const home = '127.0.0.51';
    expect((await login(home, away.email, away.password)).status).toBe(200);
    t.clock.offsetMs = 31 * 86_400_000;
    try {
      const attackers = ['127.0.0.52', '127.0.0.53', '127.0.0.54', '127.0.0.55'];
      const answers = await Promise.all(
        attackers.flatMap((from) => Array.from({ length: 5 }, (_, i) => login(from, away.email, `guess ${i}`))),
      );
      expect(tally(answers)).toEqual({ checked: 20, limited: 0, other: 0 });
      expectLimited(await login(home, away.email, away.password));
    } finally {
      t.clock.offsetMs = 0;
    }
  });
});

describe('the address sign-in limits count', () => {
  it('is an IPv6 address’s /64 (one machine may use any address of it), an IPv4 address as it is', () => {
    expect(addressKey('2001:db8:0:1:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:DB8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:db8:0:2::5')).toBe('2001:db8:0:2::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('unknown')).toBe('unknown');
    const keys = (address: string, known = false) => personLimits('A@Example.test', address, known).map((l) => l.key);
    // Every address of one /64 shares the per-address limits.
    expect(keys('2001:db8:0:1::aaaa')).toEqual(keys('2001:db8:0:1:ffff:ffff:ffff:ffff'));
    expect(keys('2001:db8:0:1::aaaa')).toEqual([
      'user:a@example.test|2001:db8:0:1::/64',
      'account:a@example.test',
      'ip:2001:db8:0:1::/64',
    ]);
    // A known address keeps its own caps but not the account-wide one.
    expect(keys('10.1.2.3', true)).toEqual(['user:a@example.test|10.1.2.3', 'ip:10.1.2.3']);
  });
});
