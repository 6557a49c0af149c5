import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { PricingRulesRepository } from '../../../central/src/modules/pricing/rules-repository.js';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const target = dbTargets.at(-1)!;
const SEED = Number(process.env.PRICING_PROPERTY_SEED ?? 20251130);
const ADMIN = { email: 'edge-hub-admin@example.test', password: 'a long enough password' };
const DAY = 86_400_000;
/** A call that hangs fails naming itself (not as a hook timeout that says nothing) after this long. */
const CALL_MS = 90_000;

const PRODUCTS = [
  { sku: 'MILK', name: 'Whole milk 1 l', category: 'Dairy', priceMinor: 129, taxClass: 'ZERO' },
  { sku: 'YOGURT', name: 'Greek yoghurt', category: 'Dairy', priceMinor: 89, taxClass: 'REDUCED' },
  { sku: 'CHEESE', name: 'Cheddar 200 g', category: 'Dairy', priceMinor: 450, taxClass: 'STANDARD' },
  { sku: 'BREAD', name: 'Sourdough loaf', category: 'Bakery', priceMinor: 350, taxClass: 'ZERO' },
  { sku: 'CROISSANT', name: 'Butter croissant', category: 'Bakery', priceMinor: 120, taxClass: 'REDUCED' },
  { sku: 'COFFEE', name: 'Coffee beans 1 kg', category: 'Pantry', priceMinor: 1_200, taxClass: 'STANDARD' },
  { sku: 'TEA', name: 'Green tea', category: 'Pantry', priceMinor: 400, taxClass: 'REDUCED' },
  { sku: 'SOAP', name: 'Hand soap', category: 'Home', priceMinor: 275, taxClass: 'STANDARD' },
  { sku: 'SHAMPOO', name: 'Shampoo 250 ml', category: 'Home', priceMinor: 650, taxClass: 'STANDARD' },
  { sku: 'MUG', name: 'Stoneware mug', category: 'Home', priceMinor: 900, taxClass: 'STANDARD' },
] as const;
const SKUS = PRODUCTS.map((p) => p.sku);

type Hub = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** What both sides must agree on, in the order they answer it. */
const comparable = (b: any) => ({
  totalMinor: b.totalMinor,
  subtotalMinor: b.subtotalMinor,
  taxMinor: b.taxMinor,
  discountMinor: b.discountMinor,
  lines: (b.lines as any[]).map((l) => ({
    sku: l.sku,
    unitPriceMinor: l.unitPriceMinor,
    discountMinor: l.discountMinor,
    netMinor: l.netMinor,
  })),
  promotions: (b.promotions as any[]).map((p) => ({ promotionId: p.promotionId, discountMinor: p.discountMinor })),
  coupons: (b.coupons as any[]).map((c) => ({ status: c.status, refusal: c.refusal ?? null })),
});

/**
 * Issue #25: the edge and the hub price random baskets to the same total. A real hub (with its books, promotions of
 * every kind and a coupon batch, written through its REST API as head office) and a real store node registered as
 * store A that pulls its copy of the rules; once the copy holds the hub's revision, random baskets (member or not, with
 * or without the coupon, never redeemed) are priced by the hub for store A and by the store from its copy, and every
 * total, line and promotion must match. Every window is days away from now, so the two prices (taken at their own
 * clocks, a moment apart) see the same rules.
 */
describe(`the store and the hub price a basket alike (${target.name})`, () => {
  let f: SyncFixture;
  let store: StoreNode;
  let hub: Hub;
  let storeA: string;
  let coupon: string;
  const kinds = new Map<string, string>(); // promotion id → kind

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.auth.createUser({ ...ADMIN, name: 'Head office', role: 'ADMIN' });
    const cookie = `sf_session=${(await f.hub.auth.login(ADMIN.email, ADMIN.password, 'test')).sessionToken}`;
    hub = async (method, path, body) => {
      const res = await fetch(f.hubUrl + path, {
        method,
        headers: { cookie, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_MS),
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as any };
    };
    const ok = async (method: string, path: string, body?: unknown) => {
      const r = await hub(method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    await ok('POST', '/api/catalog/products/import', { items: PRODUCTS });
    store = await f.store('EDGE_A', { name: 'Store A' });
    storeA = f.credentials.get('EDGE_A')!.storeId;
    // store B is registered (never started): a promotion and a book of its own must not reach store A
    const storeB = (await f.hub.fleet.register({ code: 'EDGE_B', name: 'Store B', kind: 'STORE', lat: 41, lon: -73 }))
      .credential!.storeId;

    const now = Date.now();
    const past = now - DAY; // every current window opened a day ago
    await ok('PUT', '/api/pricing/regions/NORTH', { name: 'North' });
    await ok('PUT', '/api/pricing/regions/SOUTH', { name: 'South' });
    await ok('PUT', `/api/pricing/stores/${storeA}/region`, { regionId: 'NORTH' });
    await ok('PUT', `/api/pricing/stores/${storeB}/region`, { regionId: 'SOUTH' });

    const chain = await ok('POST', '/api/pricing/books', { name: 'Chain', scope: 'CHAIN' });
    const north = await ok('POST', '/api/pricing/books', { name: 'North', scope: 'REGION', regionId: 'NORTH' });
    const south = await ok('POST', '/api/pricing/books', { name: 'South', scope: 'REGION', regionId: 'SOUTH' });
    const bookA = await ok('POST', '/api/pricing/books', { name: 'Store A', scope: 'STORE', storeId: storeA });
    const bookB = await ok('POST', '/api/pricing/books', { name: 'Store B', scope: 'STORE', storeId: storeB });
    await ok('POST', `/api/pricing/books/${chain.id}/entries`, {
      entries: [
        { sku: 'MILK', priceMinor: 119, memberPriceMinor: 99, from: past },
        // a past window (ended ten days ago), then the price since
        { sku: 'COFFEE', priceMinor: 1_150, from: now - 30 * DAY, to: now - 10 * DAY },
        { sku: 'COFFEE', priceMinor: 1_100, memberPriceMinor: 1_000, from: now - 9 * DAY },
        { sku: 'TEA', priceMinor: 380, memberPriceMinor: 350, from: past },
        { sku: 'SOAP', priceMinor: 260, from: past, to: now + 60 * DAY },
        // a future price (ten days from now)
        { sku: 'BREAD', priceMinor: 399, from: now + 10 * DAY },
        { sku: 'SHAMPOO', priceMinor: 1, from: past },
      ],
    });
    // that one-cent shampoo was a typo: deleted (a tombstone both sides must drop)
    const shampoo = await ok('GET', `/api/pricing/books/${chain.id}/entries?sku=SHAMPOO`);
    expect(shampoo.entries).toHaveLength(1);
    expect((await hub('DELETE', `/api/pricing/books/${chain.id}/entries/${shampoo.entries[0].id}`)).status).toBe(204);
    await ok('POST', `/api/pricing/books/${north.id}/entries`, {
      entries: [
        { sku: 'COFFEE', priceMinor: 1_050, memberPriceMinor: 990, from: past },
        { sku: 'YOGURT', priceMinor: 85, from: past },
        { sku: 'CROISSANT', priceMinor: 110, from: now + 20 * DAY, to: now + 40 * DAY },
      ],
    });
    await ok('POST', `/api/pricing/books/${south.id}/entries`, {
      entries: [{ sku: 'MILK', priceMinor: 50, from: past }],
    });
    await ok('POST', `/api/pricing/books/${bookA.id}/entries`, {
      entries: [
        { sku: 'MILK', priceMinor: 115, from: past },
        { sku: 'CHEESE', priceMinor: 430, memberPriceMinor: 399, from: past },
        { sku: 'MUG', priceMinor: 880, from: now + 15 * DAY },
      ],
    });
    await ok('POST', `/api/pricing/books/${bookB.id}/entries`, {
      entries: [{ sku: 'MUG', priceMinor: 10, from: past }],
    });

    const promo = async (draft: Record<string, unknown>) => {
      const p = await ok('POST', '/api/pricing/promotions', { from: past, to: now + 30 * DAY, ...draft });
      kinds.set(p.id, (draft.rule as { kind: string }).kind);
      return p as { id: string };
    };
    await promo({
      name: '3 for 2 on yoghurt',
      rule: { kind: 'MULTI_BUY', target: { skus: ['YOGURT'] }, buy: 3, payFor: 2 },
      priority: 1,
      stacking: 'EXCLUSIVE',
    });
    await promo({
      name: '20c off soap and shampoo at store A',
      rule: { kind: 'AMOUNT_OFF', target: { skus: ['SOAP', 'SHAMPOO'] }, amountMinor: 20 },
      priority: 5,
      stacking: 'EXCLUSIVE',
      storeIds: [storeA],
    });
    await promo({
      name: '10 % off the pantry',
      rule: { kind: 'PERCENT_OFF', target: { categories: ['Pantry'] }, bp: 1_000 },
      priority: 10,
      stacking: 'STACKABLE',
      to: null,
    });
    await promo({
      name: 'Members: tea at 3.00',
      rule: { kind: 'MEMBER_PRICE', target: { skus: ['TEA'] }, priceMinor: 300 },
      priority: 12,
      stacking: 'STACKABLE',
    });
    await promo({
      name: 'Members: 15 % off mugs',
      rule: { kind: 'MEMBER_PRICE', target: { skus: ['MUG'] }, bp: 1_500 },
      priority: 13,
      stacking: 'EXCLUSIVE',
      membersOnly: true,
    });
    await promo({
      name: 'Any 3 of milk and cheese for 9.00',
      rule: { kind: 'MIX_MATCH', target: { skus: ['MILK', 'CHEESE'] }, qty: 3, priceMinor: 900 },
      priority: 15,
      stacking: 'STACKABLE',
    });
    await promo({
      name: 'North: 2 croissants for 2.00',
      rule: { kind: 'MULTI_BUY', target: { skus: ['CROISSANT'] }, buy: 2, priceMinor: 200 },
      priority: 20,
      stacking: 'BEST_OF',
      regionIds: ['NORTH'],
    });
    await promo({
      name: 'Bakery: buy one, the second half price',
      rule: { kind: 'BOGO', target: { categories: ['Bakery'] }, buy: 1, get: 1, bp: 5_000 },
      priority: 21,
      stacking: 'BEST_OF',
    });
    await promo({
      name: 'Spend 20, save 1.50',
      rule: { kind: 'THRESHOLD', spendMinor: 2_000, offMinor: 150 },
      priority: 100,
      stacking: 'STACKABLE',
    });
    await promo({
      name: 'North: 5 % off 30 of pantry',
      rule: { kind: 'THRESHOLD', target: { categories: ['Pantry'] }, spendMinor: 3_000, bp: 500 },
      priority: 101,
      stacking: 'BEST_OF',
      regionIds: ['NORTH'],
    });
    const couponed = await promo({
      name: '25 % off mugs and cheese with the coupon',
      rule: { kind: 'PERCENT_OFF', target: { skus: ['MUG', 'CHEESE'] }, bp: 2_500 },
      priority: 0,
      stacking: 'EXCLUSIVE',
      couponRequired: true,
    });
    // Not at store A: store B's, the south's, one not started yet, one ended, one deleted.
    await promo({
      name: 'Store B: 40 % off milk',
      rule: { kind: 'PERCENT_OFF', target: { skus: ['MILK'] }, bp: 4_000 },
      priority: 2,
      stacking: 'EXCLUSIVE',
      storeIds: [storeB],
    });
    await promo({
      name: 'South: 1.00 off coffee',
      rule: { kind: 'AMOUNT_OFF', target: { skus: ['COFFEE'] }, amountMinor: 100 },
      priority: 3,
      stacking: 'STACKABLE',
      regionIds: ['SOUTH'],
    });
    await promo({
      name: 'Next month: half price bakery',
      rule: { kind: 'PERCENT_OFF', target: { categories: ['Bakery'] }, bp: 5_000 },
      priority: 4,
      stacking: 'EXCLUSIVE',
      from: now + 10 * DAY,
      to: now + 40 * DAY,
    });
    await promo({
      name: 'Last month: 2 for 1 soap',
      rule: { kind: 'BOGO', target: { skus: ['SOAP'] }, buy: 1, get: 1, bp: 10_000 },
      priority: 4,
      stacking: 'EXCLUSIVE',
      from: now - 40 * DAY,
      to: now - 10 * DAY,
    });
    const ended = await promo({
      name: 'Ended: 3 mugs for 1.00',
      rule: { kind: 'MULTI_BUY', target: { skus: ['MUG'] }, buy: 3, priceMinor: 100 },
      priority: 4,
      stacking: 'EXCLUSIVE',
    });
    await ok('POST', `/api/pricing/promotions/${ended.id}/end`);
    const deleted = await promo({
      name: 'Deleted: 90 % off tea',
      rule: { kind: 'PERCENT_OFF', target: { skus: ['TEA'] }, bp: 9_000 },
      priority: 4,
      stacking: 'EXCLUSIVE',
    });
    expect((await hub('DELETE', `/api/pricing/promotions/${deleted.id}`)).status).toBe(204);

    const batch = await ok('POST', `/api/pricing/promotions/${couponed.id}/coupons`, {
      count: 3,
      expiresAt: now + 60 * DAY,
    });
    coupon = batch.codes[0];

    // The store's catalog as the hub's, and its copy of the rules at the hub's revision, in its region.
    await waitFor(
      'the catalog at the store',
      () => {
        const rows = store.db
          .prepare('SELECT sku, price_minor AS priceMinor, category, tax_class AS taxClass FROM catalog_products')
          .all() as { sku: string; priceMinor: number; category: string; taxClass: string }[];
        return PRODUCTS.every((p) =>
          rows.some(
            (r) =>
              r.sku === p.sku &&
              r.priceMinor === p.priceMinor &&
              r.category === p.category &&
              r.taxClass === p.taxClass,
          ),
        );
      },
      120_000,
    );
    const revision = await new PricingRulesRepository(f.hub.db).newest();
    await waitFor(
      `the store's pricing copy at the hub's revision ${revision}`,
      async () => {
        const res = await fetch(`${store.url}/api/pricing/status`, { signal: AbortSignal.timeout(CALL_MS) });
        const s = (await res.json()) as { revision: number; regionId: string | null };
        return s.revision >= revision && s.regionId === 'NORTH' ? s : null;
      },
      120_000,
    );
  }, 300_000);

  afterAll(async () => {
    await f?.stop().catch(() => {});
  }, 120_000);

  it('random baskets: the same totals, lines and promotions at the store as at the hub', async () => {
    const discounted = new Set<string>(); // kinds that took money off some basket
    const seen = { member: 0, coupon: 0, couponApplied: 0 };
    const line = fc.record({ sku: fc.constantFrom(...SKUS), qty: fc.integer({ min: 1, max: 6 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        async (lines, member, withCoupon) => {
          const coupons = withCoupon ? [coupon] : [];
          const [atHub, atStore] = await Promise.all([
            hub('POST', '/api/pricing/price', { lines, storeId: storeA, member, coupons }),
            fetch(`${store.url}/api/pricing/price`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ lines, member, coupons }),
              signal: AbortSignal.timeout(CALL_MS),
            }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
          ]);
          expect(atHub.status, JSON.stringify(atHub.body)).toBe(200);
          expect(atStore.status, JSON.stringify(atStore.body)).toBe(200);
          expect(comparable(atStore.body)).toEqual(comparable(atHub.body));
          for (const p of atHub.body.promotions as { promotionId: string; discountMinor: number }[])
            if (p.discountMinor > 0) discounted.add(kinds.get(p.promotionId) ?? `unknown ${p.promotionId}`);
          if (member) seen.member++;
          if (withCoupon) seen.coupon++;
          if ((atHub.body.coupons as { status: string }[]).some((c) => c.status === 'APPLIED')) seen.couponApplied++;
        },
      ),
      { seed: SEED, numRuns: 25 },
    );
    // not vacuous: the baskets met the promotions
    const why = JSON.stringify({ kinds: [...discounted], ...seen });
    expect(
      [...discounted].filter((k) => k.startsWith('unknown')),
      why,
    ).toEqual([]); // only the promotions written here
    expect(discounted.size, why).toBeGreaterThanOrEqual(4);
  }, 600_000);
});
