import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { STORE_EMAIL_REFUSALS } from '../email-refusals.js';

const TAKEN_AT_STORE =
  'that email belongs to an existing customer account: ask the customer for their customer card or app';

/**
 * Issue #13: a store never searches customers, so a taken email must not become a search. Head office hears which
 * email is taken; a store hears what to do, never the email, and only so often an hour — then 429, whatever the email.
 */
describe.each(dbTargets)('a store meeting a taken email, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let a: Caller;
  let b: Caller;
  let c: Caller;
  let mine: string;

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    admin = { cookie: await t.login() };
    a = { bearer: (await t.store('ER-A', admin.cookie!)).token };
    b = { bearer: (await t.store('ER-B', admin.cookie!)).token };
    c = { bearer: (await t.store('ER-C', admin.cookie!)).token };
    expect((await t.call('POST', '/api/customers', { name: 'Taken', email: 'taken@example.test' }, admin)).status).toBe(
      201,
    );
    mine = (await t.call('POST', '/api/customers', { name: 'Signed Up At A' }, a)).body.id;
  });
  afterAll(() => t?.stop());

  it('head office is told which email; a store is told what to do, without the email, on sign-up and on edit', async () => {
    const hq = await t.call('POST', '/api/customers', { name: 'Again', email: 'taken@example.test' }, admin);
    expect(hq.status).toBe(409);
    expect(hq.body.detail).toBe('a customer with the email taken@example.test exists');

    for (const res of [
      await t.call('POST', '/api/customers', { name: 'Again', email: 'Taken@Example.test' }, a),
      await t.call('PATCH', `/api/customers/${mine}`, { email: 'taken@example.test' }, a),
    ]) {
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toBe(TAKEN_AT_STORE);
      expect(JSON.stringify(res.body)).not.toContain('taken@');
    }
    expect((await t.call('GET', `/api/customers/${mine}`, undefined, a)).body.email).toBeNull();
  });

  it(`a store is told at most ${STORE_EMAIL_REFUSALS.max} times an hour, even in a burst; then every email waits, other stores and head office do not`, async () => {
    const burst = await Promise.all(
      Array.from({ length: STORE_EMAIL_REFUSALS.max + 10 }, (_, i) =>
        t.call('POST', '/api/customers', { name: `Probe ${i}`, email: 'taken@example.test' }, c),
      ),
    );
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 409)).toHaveLength(STORE_EMAIL_REFUSALS.max);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);

    // capped: an email nobody has gets the same 429 (no oracle left), without one is signed up
    const fresh = await t.call('POST', '/api/customers', { name: 'Fresh', email: 'fresh-at-c@example.test' }, c);
    expect(fresh.status).toBe(429);
    expect(fresh.body.detail).toMatch(
      /^this store was told too often in the last hour that an email belongs to an existing customer account: ask the customer for their customer card or app, or try again in \d+ min$/,
    );
    expect(Number(fresh.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(fresh.body)).not.toContain('fresh-at-c');
    expect((await t.hub.db.query(`SELECT 1 FROM customers WHERE email = 'fresh-at-c@example.test'`)).rows).toEqual([]);
    expect((await t.call('POST', '/api/customers', { name: 'No Email' }, c)).status).toBe(201);

    expect(
      (await t.call('POST', '/api/customers', { name: 'Again', email: 'taken@example.test' }, b)).body.detail,
    ).toBe(TAKEN_AT_STORE);
    expect(
      (await t.call('POST', '/api/customers', { name: 'Fresh', email: 'fresh-at-b@example.test' }, b)).status,
    ).toBe(201);
    expect((await t.call('POST', '/api/customers', { name: 'Again', email: 'taken@example.test' }, admin)).status).toBe(
      409,
    );
  });
});
