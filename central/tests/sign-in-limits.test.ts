import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { callFrom, type AnswerFrom } from './support/from-address.js';
import { ADMIN, TestHub } from './support/test-hub.js';

/**
 * Sign-in limits as an attacker meets them: concurrent bursts, many accounts from one address, and people's
 * failures next to a store's credential exchange behind the same NAT. Each test plays its clients from its own
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

  const login = (from: string, email: string, password: string) => callFrom(t.url, from, 'POST', '/api/auth/login', { email, password });
  const exchange = (from: string, storeId: string, secret: string) => callFrom(t.url, from, 'POST', '/api/auth/store-token', { storeId, secret });
  const tally = (answers: readonly AnswerFrom[]) => {
    const n = (status: number) => answers.filter((a) => a.status === status).length;
    return { checked: n(401), limited: n(429), other: answers.length - n(401) - n(429) };
  };
  const expectLimited = (a: AnswerFrom) => {
    expect(a.status).toBe(429);
    expect(a.headers['content-type']).toContain('application/problem+json');
    expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
  };

  it.each([20, 100])('checks at most five of %i concurrent wrong passwords for one account; the rest get 429', async (n) => {
    const from = n === 20 ? '127.0.0.11' : '127.0.0.12';
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => login(from, victim.email, `guess ${i}`)));
    expect(tally(answers)).toEqual({ checked: 5, limited: n - 5, other: 0 });
    for (const a of answers.filter((x) => x.status === 429)) expectLimited(a);
    // The right password now waits too: the burst used the account's attempts up.
    expectLimited(await login(from, victim.email, victim.password));
  });

  it('checks at most fifty of 100 concurrent wrong sign-ins on different accounts from one address', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => login('127.0.0.13', `nobody${i}@example.test`, 'a guess')));
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

  it('still limits wrong store secrets: five per store and address, fifty per address, apart from people', async () => {
    const wrong = await Promise.all(Array.from({ length: 12 }, () => exchange('127.0.0.17', store.id, 'not the secret')));
    expect(tally(wrong)).toEqual({ checked: 5, limited: 7, other: 0 });
    expectLimited(await exchange('127.0.0.17', store.id, store.secret));
    expect((await exchange('127.0.0.18', store.id, store.secret)).status).toBe(200); // the store elsewhere is fine

    const from = '127.0.0.19';
    const other = (i: number) => `0190a0e0-0000-7000-8000-${String(i).padStart(12, '0')}`;
    const many = await Promise.all(Array.from({ length: 60 }, (_, i) => exchange(from, other(i), 'not the secret')));
    expect(tally(many)).toEqual({ checked: 50, limited: 10, other: 0 });
    expectLimited(await exchange(from, store.id, store.secret));
    // A person at that address signs in: stores' failures do not fill people's limit either.
    expect((await login(from, ADMIN.email, ADMIN.password)).status).toBe(200);
  });
});
