/**
 * The demo's pricing (issue #25), so the console's Prices and Promotions pages, the stores' lanes and kiosks and the
 * carts show something after `npm start`: the demo stores in two regions (East, West by their time zone), the chain's
 * price book with a few prices under the catalog's, the East region's book, the first store's own book with a price
 * change scheduled for tomorrow morning, and eight promotions of every kind on the demo catalog (one needs a coupon,
 * one starts in three days). Everything goes through the pricing API. A second start writes nothing twice: a region
 * is put again as it is, a book is found by its target and given prices only while it has none, a promotion is
 * found by its name.
 */
import type { CatalogRow } from './demo-seed.js';

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

const DAY = 86_400_000;
export const DEMO_REGIONS = { EAST: 'East coast', WEST: 'Central and west' } as const;
export const DEMO_CHAIN_BOOK = 'Chain prices';
/** How many of the catalog's products the chain's book prices under the catalog. */
export const DEMO_CHAIN_PRICES = 10;

export interface DemoPricing {
  /** For the banner: "2 regions, 3 books (14 prices), 8 promotions (1 needs a coupon)". */
  readonly summary: string;
}

interface Book {
  id: string;
  name: string;
  scope: 'CHAIN' | 'REGION' | 'STORE';
  storeId: string | null;
  regionId: string | null;
  entries?: number;
}

const listOf = <T>(answer: unknown, key: string): T[] =>
  Array.isArray(answer) ? (answer as T[]) : (((answer as Record<string, unknown>)?.[key] as T[]) ?? []);

/** The catalog's products the demo prices, chosen the same in every run (by sku within a category). */
export function demoPricedProducts(catalog: readonly CatalogRow[]) {
  const sorted = [...catalog].sort((a, b) => a.sku.localeCompare(b.sku));
  const of = (category: string) => sorted.filter((p) => p.category === category);
  const fair = (p: CatalogRow) => p.priceMinor >= 300 && p.priceMinor <= 900;
  return {
    chain: sorted.filter((p) => p.priceMinor >= 200).slice(0, DEMO_CHAIN_PRICES),
    region: of('Produce').slice(0, 4),
    store: of('Bakery').slice(0, 2),
    amountOff: of('Pantry').find(fair),
    bogo: of('Frozen').find(fair),
    mix: of('Beverages')
      .filter((p) => p.priceMinor >= 350 && p.priceMinor <= 700)
      .slice(0, 6),
  };
}

/** The promotions the demo runs, by name (each written once). */
export function demoPromotions(catalog: readonly CatalogRow[], now: number) {
  const picked = demoPricedProducts(catalog);
  const from = now - DAY;
  const to = now + 60 * DAY;
  const base = { priority: 100, stacking: 'STACKABLE' as const, from, to };
  const list: Record<string, unknown>[] = [
    {
      ...base,
      name: '10 % off dairy',
      rule: { kind: 'PERCENT_OFF', target: { categories: ['Dairy'] }, bp: 1_000 },
    },
    {
      ...base,
      name: '3 for 2 on snacks',
      priority: 50,
      stacking: 'EXCLUSIVE',
      rule: { kind: 'MULTI_BUY', target: { categories: ['Snacks'] }, buy: 3, payFor: 2 },
    },
    {
      ...base,
      name: 'Spend $50, save $5',
      priority: 500,
      rule: { kind: 'THRESHOLD', spendMinor: 5_000, offMinor: 500 },
    },
    {
      ...base,
      name: 'Members: 15 % off bakery',
      rule: { kind: 'MEMBER_PRICE', target: { categories: ['Bakery'] }, bp: 1_500 },
    },
    {
      ...base,
      name: '$5 off a $20 spend with your coupon',
      priority: 600,
      couponRequired: true,
      rule: { kind: 'THRESHOLD', spendMinor: 2_000, offMinor: 500 },
    },
    {
      ...base,
      name: 'Weekend: 20 % off produce',
      from: now + 3 * DAY,
      to: now + 5 * DAY,
      rule: { kind: 'PERCENT_OFF', target: { categories: ['Produce'] }, bp: 2_000 },
    },
  ];
  if (picked.amountOff)
    list.push({
      ...base,
      name: `$1 off ${picked.amountOff.name}`.slice(0, 120),
      rule: { kind: 'AMOUNT_OFF', target: { skus: [picked.amountOff.sku] }, amountMinor: 100 },
    });
  if (picked.bogo)
    list.push({
      ...base,
      name: `Buy one, get one free: ${picked.bogo.name}`.slice(0, 120),
      stacking: 'BEST_OF',
      rule: { kind: 'BOGO', target: { skus: [picked.bogo.sku] }, buy: 1, get: 1, bp: 10_000 },
    });
  if (picked.mix.length >= 3)
    list.push({
      ...base,
      name: 'Any 3 drinks for $10',
      rule: { kind: 'MIX_MATCH', target: { skus: picked.mix.map((p) => p.sku) }, qty: 3, priceMinor: 1_000 },
    });
  return list;
}

/** The East region for stores on New York time, the other for the rest. */
export const demoRegionOf = (timezone: string) => (timezone === 'America/New_York' ? 'EAST' : 'WEST');

/** Writes the demo's regions, books and promotions (once), then says what there is. */
export async function seedDemoPricing(o: {
  api: Api;
  stores: readonly { storeId: string; code: string; timezone: string }[];
  catalog: readonly CatalogRow[];
  say: (line: string) => void;
  now?: number;
}): Promise<DemoPricing> {
  o.say('writing the demo’s prices and promotions…');
  const now = o.now ?? Date.now();
  const picked = demoPricedProducts(o.catalog);
  if (!o.stores.length || !picked.chain.length) return { summary: 'no stores or products to price' };

  // regions: a store is put in its region once (the region's store count says whether it was)
  const regions = listOf<{ id: string; stores?: number }>(await o.api('GET', '/api/pricing/regions'), 'regions');
  for (const [id, name] of Object.entries(DEMO_REGIONS)) {
    const had = regions.find((r) => r.id === id);
    await o.api('PUT', `/api/pricing/regions/${id}`, { name });
    if (had?.stores) continue;
    for (const s of o.stores.filter((s) => demoRegionOf(s.timezone) === id))
      await o.api('PUT', `/api/pricing/stores/${s.storeId}/region`, { regionId: id });
  }

  // books, one per target, found again on a second start; prices written only into an empty book
  const books = listOf<Book>(await o.api('GET', '/api/pricing/books'), 'books');
  const first = o.stores[0]!;
  const want: { name: string; scope: Book['scope']; storeId?: string; regionId?: string; entries: unknown[] }[] = [
    {
      name: DEMO_CHAIN_BOOK,
      scope: 'CHAIN',
      entries: picked.chain.map((p) => ({ sku: p.sku, priceMinor: Math.round(p.priceMinor * 0.95), from: now - DAY })),
    },
    {
      name: 'East coast prices',
      scope: 'REGION',
      regionId: 'EAST',
      entries: picked.region.map((p) => ({ sku: p.sku, priceMinor: p.priceMinor + 20, from: now - DAY })),
    },
    {
      name: `${first.code} own prices`,
      scope: 'STORE',
      storeId: first.storeId,
      // today's price, and a cut scheduled for 06:00 tomorrow (the store changes it then, online or not)
      entries: picked.store.flatMap((p) => {
        const tomorrow = new Date(now + DAY);
        tomorrow.setHours(6, 0, 0, 0);
        return [
          { sku: p.sku, priceMinor: p.priceMinor, from: now - DAY, to: tomorrow.getTime() },
          { sku: p.sku, priceMinor: Math.round(p.priceMinor * 0.8), from: tomorrow.getTime() },
        ];
      }),
    },
  ];
  let prices = 0;
  for (const w of want) {
    let book = books.find(
      (b) =>
        b.scope === w.scope &&
        (b.storeId ?? null) === (w.storeId ?? null) &&
        (b.regionId ?? null) === (w.regionId ?? null),
    );
    book ??= await o.api<Book>('POST', '/api/pricing/books', {
      name: w.name,
      scope: w.scope,
      ...(w.storeId ? { storeId: w.storeId } : {}),
      ...(w.regionId ? { regionId: w.regionId } : {}),
    });
    const held = await o.api<{ entries: unknown[] }>('GET', `/api/pricing/books/${book.id}/entries?limit=1`);
    if (!listOf(held, 'entries').length && w.entries.length)
      await o.api('POST', `/api/pricing/books/${book.id}/entries`, { entries: w.entries });
    prices += w.entries.length;
  }

  // promotions by name, in every status
  const names = new Set<string>();
  for (const status of ['ACTIVE', 'SCHEDULED', 'ENDED']) {
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const qs: string = `status=${status}&limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`;
      const r: { promotions: { name: string }[]; next: string | null } = await o.api(
        'GET',
        `/api/pricing/promotions?${qs}`,
      );
      for (const p of listOf<{ name: string }>(r, 'promotions')) names.add(p.name);
      after = r.next;
      if (!after) break;
    }
  }
  const promotions = demoPromotions(o.catalog, now);
  for (const p of promotions) if (!names.has(p.name as string)) await o.api('POST', '/api/pricing/promotions', p);
  const coupons = promotions.filter((p) => p.couponRequired).length;
  return {
    summary: `${Object.keys(DEMO_REGIONS).length} regions, ${want.length} books (${prices} prices, one change scheduled for tomorrow 06:00 at ${first.code}), ${promotions.length} promotions (${coupons} needs a coupon)`,
  };
}
