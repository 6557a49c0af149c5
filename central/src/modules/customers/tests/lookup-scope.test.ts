import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { STORE_LOOKUP_MISSES } from '../loyalty-card.js';

/**
 * Issue #17, what a hostile caller found: a look-up handed the store the customer's whole profile and card number,
 * and one kiosk's wrong numbers locked the whole store out of look-ups, cards included.
 */
describe.each(dbTargets)('what a customer look-up gives a store, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let a: Caller;
  let b: Caller;
  let associateA: Caller;
  let storeA: string;
  let storeB: string;
  let ana: { id: string; loyaltyCard: string; email: string };
  const lookup = (body: unknown, who: Caller) => t.call('POST', '/api/customers/lookup', body, who);

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    admin = { cookie: await t.login() };
    const sa = await t.store('LS-A', admin.cookie!);
    const sb = await t.store('LS-B', admin.cookie!);
    storeA = sa.id;
    storeB = sb.id;
    a = { bearer: sa.token };
    b = { bearer: sb.token };
    const password = 'twelve chars long!';
    await t.call(
      'POST',
      '/api/users',
      { email: 'assoc-ls@example.test', name: 'Sam', role: 'ASSOCIATE', storeId: storeA, password },
      admin,
    );
    associateA = { cookie: await t.login('assoc-ls@example.test', password) };
    // signed up at store A's lane: store A may read the profile
    ana = (
      await t.call(
        'POST',
        '/api/customers',
        { name: 'Ana Lopes', email: 'ana.ls@example.test', phone: '+1 (555) 010-7788' },
        a,
      )
    ).body;
    ana = { ...ana, loyaltyCard: (await t.call('GET', `/api/customers/${ana.id}`, undefined, admin)).body.loyaltyCard };
    expect(ana.loyaltyCard).toMatch(/^29\d{14}$/);
  });
  afterAll(() => t?.stop());

  it('only a store’s token may look a customer up; its staff are refused', async () => {
    expect((await lookup({ email: 'ana.ls@example.test' }, associateA)).status).toBe(403);
    expect((await lookup({ email: 'ana.ls@example.test' }, admin)).status).toBe(403);
    expect((await lookup({ email: 'ana.ls@example.test' }, a)).status).toBe(200);
  });

  it('a look-up gives the store the customer’s cart, not their profile, even after it changes the cart', async () => {
    const found = await lookup({ phone: '555 010 7788' }, b);
    expect(found.body).toEqual({ customerId: ana.id, firstName: 'Ana' });
    expect((await t.call('GET', `/api/carts/${ana.id}`, undefined, b)).status).toBe(200);
    const profile = await t.call('GET', `/api/customers/${ana.id}`, undefined, b);
    expect(profile.status).toBe(404);
    expect(JSON.stringify(profile.body)).not.toContain(ana.loyaltyCard);
    expect((await t.call('PATCH', `/api/customers/${ana.id}`, { name: 'Someone Else' }, b)).status).toBe(404);
    await t.call('PUT', `/api/carts/${ana.id}/fulfilment`, { type: 'SHIP', storeId: null }, b);
    expect((await t.call('GET', `/api/customers/${ana.id}`, undefined, b)).status).toBe(404);
  });

  it('a store that may read the profile never gets the card number, only its last four digits; head office does', async () => {
    for (const who of [a, associateA]) {
      const seen = await t.call('GET', `/api/customers/${ana.id}`, undefined, who);
      expect(seen.status).toBe(200);
      expect(seen.body.loyaltyCard).toBe(`••••••••••••${ana.loyaltyCard.slice(-4)}`);
      expect(JSON.stringify(seen.body)).not.toContain(ana.loyaltyCard);
    }
    const signedUp = await t.call('POST', '/api/customers', { name: 'Bo Lane' }, a);
    expect(signedUp.body.loyaltyCard).toMatch(/^•{12}\d{4}$/); // the lane that signs a customer up sees it masked too
    const full = await t.call('GET', `/api/customers/${ana.id}`, undefined, admin);
    expect(full.body.loyaltyCard).toMatch(/^29\d{14}$/);
  });

  it('a store whose phone and e-mail budget is spent still opens carts by card (cards have their own budget)', async () => {
    const now = Date.now();
    await t.hub.db.query('INSERT INTO customer_lookup_misses (store_id, misses) VALUES ($1, $2::bigint[])', [
      storeB,
      Array.from({ length: STORE_LOOKUP_MISSES.max }, (_, i) => now - i),
    ]);
    expect((await lookup({ phone: '555 010 7788' }, b)).status).toBe(429);
    const byCard = await lookup({ card: ana.loyaltyCard }, b);
    expect(byCard.status).toBe(200);
    expect(byCard.body.firstName).toBe('Ana');
  });
});
