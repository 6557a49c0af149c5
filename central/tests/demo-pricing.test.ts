import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CHAIN_PRICES, demoPricedProducts, demoPromotions, seedDemoPricing } from '../src/demo/demo-pricing.js';
import { catalogRows, seedCatalog } from '../src/demo/demo-seed.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * What `npm start` seeds for pricing (issue #25): the stores in two regions, the chain's, a region's and a store's
 * books (the store's with a change scheduled for tomorrow), promotions of every kind (one with a coupon) that the
 * hub's pricer applies. Started again, it writes nothing twice.
 */
describe.each(dbTargets)('the demo’s pricing on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let summary: string;
  const stores: { storeId: string; code: string; timezone: string }[] = [];
  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await t.call(method, path, body, { cookie: admin });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const seed = () => seedDemoPricing({ api, stores, catalog: catalogRows(), say: () => {} });
  const snapshot = async () =>
    (
      await t.hub.db.query(
        `SELECT (SELECT count(*) FROM pricing_regions)::int AS regions, (SELECT count(*) FROM pricing_books)::int AS books,
                (SELECT count(*) FROM pricing_entries)::int AS entries, (SELECT count(*) FROM pricing_promotions)::int AS promotions,
                (SELECT count(*) FROM pricing_store_regions)::int AS placed, (SELECT max(revision) FROM pricing_entries)::int AS revision`,
      )
    ).rows[0];

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    await seedCatalog(api, () => {});
    for (const [code, timezone] of [
      ['S001', 'America/New_York'],
      ['S002', 'America/Chicago'],
    ] as const) {
      const s = await t.store(code, admin);
      await t.hub.db.query('UPDATE locations SET timezone = $2 WHERE id = $1', [s.id, timezone]);
      stores.push({ storeId: s.id, code, timezone });
    }
    ({ summary } = await seed());
  }, 400_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('puts the stores in their regions and gives the chain, a region and a store their books', async () => {
    expect(summary).toMatch(
      /^2 regions, 3 books \(\d+ prices, one change scheduled for tomorrow 06:00 at S001\), 9 promotions \(1 needs a coupon\)$/,
    );
    const books = await api<any>('GET', '/api/pricing/books');
    const list: { scope: string; id: string; storeId: string | null; regionId: string | null }[] = Array.isArray(books)
      ? books
      : books.books;
    expect(list.map((b) => b.scope).sort()).toEqual(['CHAIN', 'REGION', 'STORE']);
    const chain = list.find((b) => b.scope === 'CHAIN')!;
    const entries = await api<any>('GET', `/api/pricing/books/${chain.id}/entries?limit=100`);
    expect(entries.entries).toHaveLength(DEMO_CHAIN_PRICES);
    const { rows } = await t.hub.db.query<{ store_id: string; region_id: string }>(
      'SELECT store_id, region_id FROM pricing_store_regions ORDER BY region_id',
    );
    expect(rows.map((r) => [r.store_id, r.region_id])).toEqual([
      [stores[0]!.storeId, 'EAST'],
      [stores[1]!.storeId, 'WEST'],
    ]);
  });

  it('prices with its books at each store: the chain’s cut everywhere, the store’s own price at S001', async () => {
    const picked = demoPricedProducts(catalogRows());
    const chainSku = picked.chain[0]!;
    const at = (storeId: string, sku: string) =>
      api<any>('POST', '/api/pricing/price', { lines: [{ sku, qty: 1 }], storeId });
    const b = await at(stores[1]!.storeId, chainSku.sku);
    expect(b.lines[0].unitPriceMinor).toBe(Math.round(chainSku.priceMinor * 0.95));
    const regional = picked.region[0]!;
    expect((await at(stores[0]!.storeId, regional.sku)).lines[0].unitPriceMinor).toBe(regional.priceMinor + 20);
    expect((await at(stores[1]!.storeId, regional.sku)).lines[0].unitPriceMinor).not.toBe(regional.priceMinor + 20);
    // the store's own book: today's price, and the cut scheduled for tomorrow 06:00
    const own = picked.store[0]!;
    const sku = await api<any>('GET', `/api/pricing/skus/${own.sku}?storeId=${stores[0]!.storeId}`);
    expect(sku.now.unitPriceMinor).toBe(own.priceMinor);
    expect(sku.upcoming.map((u: { priceMinor: number }) => u.priceMinor)).toContain(Math.round(own.priceMinor * 0.8));
  });

  it('runs promotions of every kind on the demo catalog, one scheduled and one with a coupon', async () => {
    const active = await api<any>('GET', '/api/pricing/promotions?status=ACTIVE&limit=100');
    const scheduled = await api<any>('GET', '/api/pricing/promotions?status=SCHEDULED&limit=100');
    const all = [...active.promotions, ...scheduled.promotions];
    expect(all.map((p: { name: string }) => p.name).sort()).toEqual(
      demoPromotions(catalogRows(), Date.now())
        .map((p) => p.name)
        .sort(),
    );
    expect(new Set(all.map((p: { rule: { kind: string } }) => p.rule.kind))).toEqual(
      new Set(['PERCENT_OFF', 'AMOUNT_OFF', 'MULTI_BUY', 'BOGO', 'MIX_MATCH', 'THRESHOLD', 'MEMBER_PRICE']),
    );
    expect(scheduled.promotions.map((p: { name: string }) => p.name)).toEqual(['Weekend: 20 % off produce']);
    expect(all.filter((p: { couponRequired?: boolean }) => p.couponRequired)).toHaveLength(1);
    // the hub's pricer applies one: 3 for 2 on snacks
    const snack = catalogRows()
      .filter((p) => p.category === 'Snacks')
      .sort((a, b) => a.sku.localeCompare(b.sku))[0]!;
    const b = await api<any>('POST', '/api/pricing/price', {
      lines: [{ sku: snack.sku, qty: 3 }],
      storeId: stores[1]!.storeId,
    });
    expect(b.promotions.map((p: { name: string }) => p.name)).toContain('3 for 2 on snacks');
  });

  it('writes nothing twice when the demo starts again', async () => {
    const before = await snapshot();
    const again = await seed();
    expect(again.summary).toBe(summary);
    expect(await snapshot()).toEqual(before);
  });
});
