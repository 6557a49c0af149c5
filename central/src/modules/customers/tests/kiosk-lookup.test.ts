import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { CustomerRepository } from '../repository.js';
import { checkDigit, isLoyaltyCard, NO_SUCH_CUSTOMER, STORE_LOOKUP_MISSES } from '../loyalty-card.js';

/**
 * Issue #17: a customer opens their cart at a kiosk with their loyalty card, phone number or email, never an id. The
 * kiosk's store learns the id (for the cart) and the first name (for the greeting), nothing else, and trying numbers
 * to learn who is a customer is capped per store.
 */
describe.each(dbTargets)('a kiosk opening a customer’s cart by card, phone or email, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let a: Caller;
  let b: Caller;
  let c: Caller;
  let storeC: string;
  let ana: { id: string; loyaltyCard: string };
  const lookup = (body: unknown, who: Caller) => t.call('POST', '/api/customers/lookup', body, who);

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    admin = { cookie: await t.login() };
    a = { bearer: (await t.store('KL-A', admin.cookie!)).token };
    b = { bearer: (await t.store('KL-B', admin.cookie!)).token };
    const kc = await t.store('KL-C', admin.cookie!);
    c = { bearer: kc.token };
    storeC = kc.id;
    ana = (
      await t.call(
        'POST',
        '/api/customers',
        { name: 'Ana María Lopes', email: 'ana@example.test', phone: '+1 (555) 010-2030' },
        admin,
      )
    ).body;
  });
  afterAll(() => t?.stop());

  it('gives every customer a loyalty card number (16 digits, "29", a check digit)', () => {
    expect(ana.loyaltyCard).toMatch(/^29\d{14}$/);
    expect(isLoyaltyCard(ana.loyaltyCard)).toBe(true);
  });

  it('finds the customer by card, email or phone typed any usual way, and answers only the id and the first name', async () => {
    for (const body of [
      { card: ana.loyaltyCard },
      { card: `${ana.loyaltyCard.slice(0, 8)} ${ana.loyaltyCard.slice(8)}` },
      { email: ' ANA@example.test ' },
      { phone: '+1 (555) 010-2030' },
      { phone: '555 010 2030' },
      { phone: '001-555-010-2030' },
      { phone: '15550102030' },
    ]) {
      const res = await lookup(body, a);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body, JSON.stringify(body)).toEqual({ customerId: ana.id, firstName: 'Ana' });
    }
  });

  it('links the store to the customer once found, so it may work on their cart (before: missing to it)', async () => {
    expect((await t.call('GET', `/api/carts/${ana.id}`, undefined, b)).status).toBe(404);
    expect((await lookup({ email: 'ana@example.test' }, b)).status).toBe(200);
    expect((await t.call('GET', `/api/carts/${ana.id}`, undefined, b)).status).toBe(200);
  });

  it('says plainly that nobody matches; a misread card or a short number is a 400 and looks nothing up', async () => {
    const miss = await lookup({ email: 'nobody@example.test' }, a);
    expect(miss.status).toBe(404);
    expect(miss.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(miss.body.detail).toBe(NO_SUCH_CUSTOMER);
    const body = ana.loyaltyCard.slice(0, 15);
    const misread = `${body}${(checkDigit(body) + 1) % 10}`;
    expect((await lookup({ card: misread }, a)).body.detail).toBe(
      'that is not a loyalty card number: scan the card again',
    );
    expect((await lookup({ phone: '010 2030' }, a)).status).toBe(400);
    for (const bad of [{}, { card: ana.loyaltyCard, email: 'ana@example.test' }, { id: ana.id }, { phone: 'abc' }])
      expect((await lookup(bad, a)).status, JSON.stringify(bad)).toBe(400);
  });

  it('is for stores: head office is refused (it searches customers instead)', async () => {
    expect((await lookup({ email: 'ana@example.test' }, admin)).status).toBe(403);
    expect((await lookup({ email: 'ana@example.test' }, {})).status).toBe(401);
  });

  it(`answers a store at most ${STORE_LOOKUP_MISSES.max} misses an hour, even in a burst; then every look-up waits, other stores do not`, async () => {
    const burst = await Promise.all(
      Array.from({ length: STORE_LOOKUP_MISSES.max + 5 }, (_, i) =>
        lookup({ phone: `+1 555 777 ${String(1000 + i)}` }, c),
      ),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(STORE_LOOKUP_MISSES.max);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    // a real customer's phone number now gets the same 429: no oracle left (a card has its own budget and still opens)
    const capped = await lookup({ phone: '+1 (555) 010-2030' }, c);
    expect(capped.status).toBe(429);
    expect(capped.body.detail).toMatch(
      /^this store looked up too many .* try again in \d+ min, or ask a member of staff$/,
    );
    expect(Number(capped.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(capped.body)).not.toContain(ana.id);
    expect((await lookup({ card: ana.loyaltyCard }, c)).status).toBe(200);
    expect((await lookup({ phone: '+1 (555) 010-2030' }, a)).status).toBe(200);
    const later = Date.now() + STORE_LOOKUP_MISSES.windowMs + 1000; // the store's token would not last that long
    expect(await new CustomerRepository(t.hub.db).lookupMissWait(storeC, later)).toBe(0);
  });

  it('the migration gives existing customers valid card numbers (the SQL check digit is the card’s)', async () => {
    const sql = readFileSync(new URL('../schema/004_kiosk_lookup.sql', import.meta.url), 'utf8');
    const fill = /UPDATE customers[\s\S]*?WHERE n\.id = c\.id;/.exec(sql)![0];
    const old = (await t.call('POST', '/api/customers', { name: 'Old Timer' }, admin)).body.id;
    await t.hub.db.query('UPDATE customers SET loyalty_card = NULL WHERE id = $1', [old]);
    await t.hub.db.query(fill.replace('WHERE n.id = c.id', 'WHERE n.id = c.id AND c.loyalty_card IS NULL'));
    const { rows } = await t.hub.db.query<{ loyalty_card: string }>(
      'SELECT loyalty_card FROM customers WHERE id = $1',
      [old],
    );
    expect(isLoyaltyCard(rows[0]!.loyalty_card)).toBe(true);
  });
});
