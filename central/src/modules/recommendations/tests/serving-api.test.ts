import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { cand, RecsHarness } from './serving-harness.js';

/**
 * Serving through the API as a web shop, an app and a kiosk call it: what a shopper sees on the list and the sentence
 * under each product. The model rows are written by the test as training would write them.
 */
const PRODUCTS = [
  { sku: 'MILK', name: 'Whole milk', size: '1 l', category: 'Dairy' },
  { sku: 'BUTTER', name: 'Butter', size: '250 g', category: 'Dairy' },
  { sku: 'CHEESE', name: 'Cheddar', category: 'Dairy' },
  { sku: 'BREAD', name: 'Sourdough bread', category: 'Bakery' },
  { sku: 'ROLLS', name: 'Bread rolls', category: 'Bakery' },
  { sku: 'JAM', name: 'Strawberry jam', category: 'Pantry' },
  { sku: 'COFFEE', name: 'Ground coffee', category: 'Drinks' },
  { sku: 'TEA', name: 'Black tea', category: 'Drinks' },
];
const skus = RecsHarness.skus;

describe.each(dbTargets)('recommendations served through the API, on $name', (target) => {
  let h: RecsHarness;
  let customer: string;

  beforeAll(async () => {
    h = await RecsHarness.start(target);
    await h.products(PRODUCTS);
    customer = await h.customer({ bearer: h.storeA.token });
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  const event = (sessionId: string, kind: 'VIEW' | 'CART_ADD', sku: string, storeId?: string) =>
    h.post('/api/recommendations/events', {
      eventId: randomUUID(),
      sessionId,
      kind,
      sku,
      ...(storeId ? { storeId } : {}),
    });

  it('with no model, a fresh hub answers from live popularity (overall, and at the chosen store)', async () => {
    for (const session of ['session-one-0001', 'session-two-0002', 'session-three-03'])
      expect((await event(session, 'CART_ADD', 'COFFEE')).status).toBe(202);
    expect((await event('session-one-0001', 'VIEW', 'TEA', h.storeA.id)).status).toBe(202);
    const home = await h.get('/api/recommendations?surface=home');
    expect(home.status).toBe(200);
    expect(home.body).toMatchObject({ modelVersion: null, surface: 'home', impressionId: expect.any(String) });
    expect(home.body.items.map((i: { sku: string; reason: string }) => [i.sku, i.reason])).toEqual([
      ['COFFEE', 'Popular right now'],
      ['TEA', 'Popular right now'],
    ]);
    expect(home.body.items[0]).toMatchObject({
      name: 'Ground coffee',
      category: 'Drinks',
      priceMinor: 250,
      currency: 'USD',
    });
    // at store A only tea was looked at: it leads there, "Popular at this store" (no stock filter: store A stocks both)
    await h.stock(h.storeA.id, 'TEA', 5);
    await h.stock(h.storeA.id, 'COFFEE', 5);
    const atA = await h.get(`/api/recommendations?surface=kiosk&storeId=${h.storeA.id}`);
    expect(atA.body.items[0]).toMatchObject({ sku: 'TEA', reason: 'Popular at this store' });
  });

  describe('with a model', () => {
    beforeAll(async () => {
      await h.model({
        customers: [[customer, [cand('BREAD', 1, 'MILK'), cand('JAM', 0.5, 'MILK'), cand('CHEESE', 0.3)]]],
        neighbours: [
          ['MILK', 'BOUGHT_WITH', [cand('BREAD', 1), cand('BUTTER', 0.6)]],
          ['MILK', 'SIMILAR', [cand('CHEESE', 0.5)]],
          ['ROLLS', 'BOUGHT_WITH', [cand('BUTTER', 1)]],
        ],
        popular: [
          ['all', [cand('TEA', 1), cand('COFFEE', 0.9), cand('JAM', 0.8), cand('CHEESE', 0.7), cand('MILK', 0.6)]],
          ['category:Dairy', [cand('CHEESE', 1), cand('MILK', 0.5)]],
        ],
      });
    }, 60_000);

    it('a product page lists what is bought with the product, with the reason, and never the product itself', async () => {
      const r = await h.get('/api/recommendations?surface=product&sku=MILK&limit=4');
      expect(r.status).toBe(200);
      expect(r.body.modelVersion).toEqual(expect.any(Number));
      expect(r.body.items[0]).toMatchObject({
        sku: 'BREAD',
        name: 'Sourdough bread',
        reason: 'Customers who bought Whole milk 1 l also bought this',
      });
      expect(r.body.items[1]).toMatchObject({
        sku: 'BUTTER',
        reason: 'Customers who bought Whole milk 1 l also bought this',
      });
      expect(skus(r)).not.toContain('MILK');
      expect(r.body.items).toHaveLength(4);
    });

    it("a customer's list leaves out what they bought, even after the model was trained", async () => {
      await h.purchase(customer, 'MILK');
      const before = await h.get(`/api/recommendations?surface=home&customerId=${customer}`);
      expect(before.body.items[0]).toMatchObject({ sku: 'BREAD', reason: 'Because you bought Whole milk 1 l' });
      expect(skus(before)).not.toContain('MILK');
      await h.purchase(customer, 'BREAD');
      const after = await h.get(`/api/recommendations?surface=home&customerId=${customer}`);
      expect(skus(after)).not.toContain('BREAD');
      expect(after.body.items[0]).toMatchObject({ sku: 'JAM', reason: 'Because you bought Whole milk 1 l' });
      // someone else still gets bread and milk
      const anonymous = await h.get('/api/recommendations?surface=product&sku=MILK');
      expect(skus(anonymous)).toContain('BREAD');
    });

    it('with a store chosen, only what it has in stock', async () => {
      await h.stock(h.storeB.id, 'TEA', 3);
      await h.stock(h.storeB.id, 'JAM', 0);
      await h.stock(h.storeB.id, 'CHEESE', 2);
      const anywhere = await h.get('/api/recommendations?surface=home');
      expect(skus(anywhere)).toEqual(expect.arrayContaining(['TEA', 'COFFEE', 'JAM', 'CHEESE']));
      const atB = await h.get(`/api/recommendations?surface=home&storeId=${h.storeB.id}`, { bearer: h.storeB.token });
      expect(atB.status).toBe(200);
      expect(skus(atB).sort()).toEqual(['CHEESE', 'TEA']);
    });

    it('a view in the session re-ranks the very next answer: what goes with it comes first', async () => {
      const session = `web-${randomUUID()}`;
      const before = await h.get(`/api/recommendations?surface=home&sessionId=${session}&limit=3`);
      expect(skus(before)).not.toContain('BUTTER');
      expect((await event(session, 'VIEW', 'ROLLS')).status).toBe(202);
      const after = await h.get(`/api/recommendations?surface=home&sessionId=${session}&limit=3`);
      expect(after.body.items[0]).toMatchObject({ sku: 'BUTTER', reason: 'Because you looked at Bread rolls' });
      expect(skus(after)).not.toContain('ROLLS');
      // another session is not affected
      const other = await h.get(`/api/recommendations?surface=home&sessionId=web-${randomUUID()}&limit=3`);
      expect(skus(other)).toEqual(skus(before));
    });

    it('a resent event counts once', async () => {
      const body = { eventId: randomUUID(), sessionId: 'resend-session-0001', kind: 'VIEW', sku: 'TEA' };
      expect((await h.post('/api/recommendations/events', body)).status).toBe(202);
      expect((await h.post('/api/recommendations/events', body)).status).toBe(202);
      const { rows } = await h.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM recs_interactions WHERE source = 'web' AND source_ref LIKE '%:' || $1",
        [body.eventId],
      );
      expect(rows[0]!.n).toBe(1);
    });
  });
});
