import type {
  CatalogProduct,
  PriceBookScope,
  PriceEntry,
  Promotion,
  PromotionRule,
  PromotionStacking,
} from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS, type CatalogProducts } from '../../kernel/ports/catalog.js';

/**
 * What the console's previews and dry runs read of the pricing tables (schema/001_pricing.sql), read-only: the stores
 * a book reaches, the entries that apply to a store, the promotions; the catalog's products through CATALOG_PRODUCTS.
 * The dry run builds each store's `PricingRules` from these and prices with the shared `price()`.
 */

const SCOPE_RANK: Record<PriceBookScope, number> = { STORE: 0, REGION: 1, CHAIN: 2 };

export interface StoreRef {
  readonly storeId: string;
  readonly regionId: string | null;
}

export interface BookRef {
  readonly id: string;
  readonly name: string;
  readonly scope: PriceBookScope;
  readonly storeId: string | null;
  readonly regionId: string | null;
}

export interface ProductRef {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly priceMinor: number;
  readonly taxClass: string;
}

/** The entry the engine picks for a sku at `at`: most specific scope, then latest `from`, then highest revision. */
export function effectiveEntry(entries: readonly PriceEntry[], at: number): PriceEntry | null {
  let best: PriceEntry | null = null;
  for (const e of entries) {
    if (e.from > at || (e.to !== null && e.to <= at)) continue;
    if (
      !best ||
      SCOPE_RANK[e.scope] < SCOPE_RANK[best.scope] ||
      (SCOPE_RANK[e.scope] === SCOPE_RANK[best.scope] &&
        (e.from > best.from || (e.from === best.from && e.revision > best.revision)))
    )
      best = e;
  }
  return best;
}

export async function bookById(q: Queryable, id: string): Promise<BookRef | null> {
  const { rows } = await q.query<{
    id: string;
    name: string;
    scope: PriceBookScope;
    store_id: string | null;
    region_id: string | null;
  }>('SELECT id, name, scope, store_id, region_id FROM pricing_books WHERE id = $1', [id]);
  const r = rows[0];
  return r ? { id: r.id, name: r.name, scope: r.scope, storeId: r.store_id, regionId: r.region_id } : null;
}

/** The stores a book's prices reach (a store book: its store; a region's: the region's stores; the chain's: all). */
export async function storesOfBook(q: Queryable, book: BookRef): Promise<StoreRef[]> {
  const { rows } = await q.query<{ id: string; region_id: string | null }>(
    `SELECT l.id, r.region_id FROM locations l LEFT JOIN pricing_store_regions r ON r.store_id = l.id
     WHERE l.kind = 'STORE' AND ($1::uuid IS NULL OR l.id = $1) AND ($2::text IS NULL OR r.region_id = $2)
     ORDER BY l.id`,
    [book.scope === 'STORE' ? book.storeId : null, book.scope === 'REGION' ? book.regionId : null],
  );
  return rows.map((r) => ({ storeId: r.id, regionId: r.region_id }));
}

export async function storeRef(q: Queryable, storeId: string): Promise<StoreRef & { timezone: string }> {
  const { rows } = await q.query<{ region_id: string | null; timezone: string | null }>(
    `SELECT r.region_id, l.timezone FROM locations l LEFT JOIN pricing_store_regions r ON r.store_id = l.id
     WHERE l.id = $1`,
    [storeId],
  );
  return { storeId, regionId: rows[0]?.region_id ?? null, timezone: rows[0]?.timezone ?? 'UTC' };
}

interface EntryRow {
  id: string;
  book_id: string;
  scope: PriceBookScope;
  store_id: string | null;
  region_id: string | null;
  sku: string;
  price_minor: number;
  member_price_minor: number | null;
  valid_from: number;
  valid_to: number | null;
  revision: number;
}

export type ScopedEntry = PriceEntry & { readonly storeId: string | null; readonly regionId: string | null };

/**
 * Live entries of these skus in every book (for a preview across a book's stores), or — with `store` — in the books
 * that apply to that store only.
 */
export async function entriesFor(
  q: Queryable,
  skus: readonly string[] | null,
  store?: StoreRef,
): Promise<ScopedEntry[]> {
  const { rows } = await q.query<EntryRow>(
    `SELECT e.id, e.book_id, b.scope, b.store_id, b.region_id, e.sku, e.price_minor, e.member_price_minor,
            e.valid_from, e.valid_to, e.revision
     FROM pricing_entries e JOIN pricing_books b ON b.id = e.book_id
     WHERE NOT e.deleted AND ($1::text[] IS NULL OR e.sku = ANY($1::text[]))
       AND ($2::boolean IS NOT TRUE OR b.scope = 'CHAIN' OR b.store_id = $3::uuid OR b.region_id = $4::text)`,
    [skus, store ? true : null, store?.storeId ?? null, store?.regionId ?? null],
  );
  return rows.map((r) => ({
    bookId: r.book_id,
    scope: r.scope,
    sku: r.sku,
    priceMinor: Number(r.price_minor),
    memberPriceMinor: r.member_price_minor === null ? null : Number(r.member_price_minor),
    from: Number(r.valid_from),
    to: r.valid_to === null ? null : Number(r.valid_to),
    revision: Number(r.revision),
    storeId: r.store_id,
    regionId: r.region_id,
  }));
}

interface PromotionRowDb {
  id: string;
  name: string;
  rule: PromotionRule | string;
  priority: number;
  stacking: PromotionStacking;
  valid_from: number;
  valid_to: number | null;
  store_ids: string[] | string;
  region_ids: string[] | string;
  coupon_required: boolean;
  members_only: boolean;
  revision: number;
}
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function toPromotion(r: PromotionRowDb): Promotion {
  const storeIds = json(r.store_ids);
  const regionIds = json(r.region_ids);
  return {
    id: r.id,
    name: r.name,
    rule: json(r.rule),
    priority: Number(r.priority),
    stacking: r.stacking,
    from: Number(r.valid_from),
    to: r.valid_to === null ? null : Number(r.valid_to),
    ...(storeIds.length ? { storeIds } : {}),
    ...(regionIds.length ? { regionIds } : {}),
    ...(r.coupon_required ? { couponRequired: true } : {}),
    ...(r.members_only ? { membersOnly: true } : {}),
    revision: Number(r.revision),
  };
}

const PROMOTION_COLUMNS =
  'id, name, rule, priority, stacking, valid_from, valid_to, store_ids, region_ids, coupon_required, members_only, revision';

/** Promotions not deleted whose window meets [from, to). */
export async function promotionsDuring(q: Queryable, from: number, to: number): Promise<Promotion[]> {
  const { rows } = await q.query<PromotionRowDb>(
    `SELECT ${PROMOTION_COLUMNS} FROM pricing_promotions
     WHERE NOT deleted AND valid_from < $2 AND (valid_to IS NULL OR valid_to > $1) ORDER BY priority, id LIMIT 5000`,
    [from, to],
  );
  return rows.map(toPromotion);
}

export async function promotionById(q: Queryable, id: string): Promise<Promotion | null> {
  const { rows } = await q.query<PromotionRowDb>(
    `SELECT ${PROMOTION_COLUMNS} FROM pricing_promotions WHERE id = $1 AND NOT deleted`,
    [id],
  );
  return rows[0] ? toPromotion(rows[0]) : null;
}

const toProduct = (p: CatalogProduct): ProductRef => ({
  sku: p.sku,
  name: p.name,
  category: p.category,
  priceMinor: Number(p.priceMinor),
  taxClass: p.taxClass,
});

/** The catalog as pricing reads it: the CATALOG_PRODUCTS port (pricing `needs` it), never its tables. */
export const catalogOf = (ctx: HubContext): CatalogProducts => ctx.services.get(CATALOG_PRODUCTS);

export async function productsBySku(
  catalog: CatalogProducts,
  skus: readonly string[],
  q?: Queryable,
): Promise<Map<string, ProductRef>> {
  if (!skus.length) return new Map();
  const found = await catalog.many(skus, q);
  return new Map([...found].map(([sku, p]) => [sku, toProduct(p)]));
}

/**
 * The catalog's products a target names (its skus the catalog holds, and every product of its categories; null
 * target: the whole catalog), in sku order: the first `limit` and how many in all.
 */
export async function targetedProducts(
  catalog: CatalogProducts,
  target: { skus?: readonly string[]; categories?: readonly string[] } | null,
  limit: number,
  q?: Queryable,
): Promise<{ products: ProductRef[]; total: number }> {
  const categories = target ? (target.categories ?? []) : null;
  const [inCats, bySku] = await Promise.all([
    catalog.inCategories(categories, { limit }, q),
    target?.skus?.length ? catalog.many(target.skus, q) : new Map<string, CatalogProduct>(),
  ]);
  // the named skus outside the categories add to both the list and the count (those inside are counted already)
  const outside = [...bySku.values()].filter((p) => !categories?.includes(p.category));
  const products = [...inCats.products, ...outside]
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .slice(0, Math.max(0, limit));
  return { products: products.map(toProduct), total: inCats.total + outside.length };
}

/** The chain's currency: the catalog's (every product carries it), USD for an empty catalog. */
export function chainCurrency(catalog: CatalogProducts, q?: Queryable): Promise<string> {
  return catalog.currency(q);
}
