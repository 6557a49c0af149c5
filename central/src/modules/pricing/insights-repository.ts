import type { PriceBookScope, PriceEntry, Promotion, PromotionRule, PromotionStacking } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { DryRunResult } from './insights-dry-run.js';

/**
 * All the SQL of the console's previews and dry runs (insights.ts, insights-dry-run.ts): the pricing tables
 * (schema/001_pricing.sql, 004_dry_runs.sql) and the hub's `locations` (read only, as the module-boundaries test
 * allows). The catalog is read through CATALOG_PRODUCTS (insights-catalog.ts) and the sales through SALES_BASKETS,
 * never their tables.
 */

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

export type ScopedEntry = PriceEntry & { readonly storeId: string | null; readonly regionId: string | null };

/** A dry run as stored: the promotion it prices, its window and store, how far it got, its result or error. */
export interface DryRunRecord {
  readonly id: string;
  readonly status: 'RUNNING' | 'DONE' | 'FAILED';
  readonly promotion: Promotion;
  readonly promotionId: string | null;
  readonly from: number;
  readonly to: number;
  readonly storeId: string | null;
  readonly scanned: number;
  /** closedAt of the last basket priced (null before the first page). */
  readonly reachedAt: number | null;
  readonly result: DryRunResult | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

interface EntryRow {
  book_id: string;
  scope: PriceBookScope;
  store_id: string | null;
  region_id: string | null;
  sku: string;
  price_minor: number | string;
  member_price_minor: number | string | null;
  valid_from: number | string;
  valid_to: number | string | null;
  revision: number | string;
}

interface PromotionRow {
  id: string;
  name: string;
  rule: PromotionRule | string;
  priority: number | string;
  stacking: PromotionStacking;
  valid_from: number | string;
  valid_to: number | string | null;
  store_ids: string[] | string;
  region_ids: string[] | string;
  coupon_required: boolean;
  members_only: boolean;
  revision: number | string;
}

function toPromotion(r: PromotionRow): Promotion {
  const storeIds = json(r.store_ids);
  const regionIds = json(r.region_ids);
  return {
    id: r.id,
    name: r.name,
    rule: json(r.rule),
    priority: Number(r.priority),
    stacking: r.stacking,
    from: Number(r.valid_from),
    to: num(r.valid_to),
    ...(storeIds.length ? { storeIds } : {}),
    ...(regionIds.length ? { regionIds } : {}),
    ...(r.coupon_required ? { couponRequired: true } : {}),
    ...(r.members_only ? { membersOnly: true } : {}),
    revision: Number(r.revision),
  };
}

const PROMOTION_COLUMNS =
  'id, name, rule, priority, stacking, valid_from, valid_to, store_ids, region_ids, coupon_required, members_only, revision';

interface DryRunRow {
  id: string;
  status: DryRunRecord['status'];
  promotion: Promotion | string;
  promotion_id: string | null;
  from_at: number | string;
  to_at: number | string;
  store_id: string | null;
  scanned: number | string;
  reached_at: number | string | null;
  result: DryRunResult | string | null;
  error: string | null;
  created_at: number | string;
  updated_at: number | string;
}

const toDryRun = (r: DryRunRow): DryRunRecord => ({
  id: r.id,
  status: r.status,
  promotion: json(r.promotion),
  promotionId: r.promotion_id,
  from: Number(r.from_at),
  to: Number(r.to_at),
  storeId: r.store_id,
  scanned: Number(r.scanned),
  reachedAt: num(r.reached_at),
  result: r.result === null ? null : json(r.result),
  error: r.error,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export class InsightsRepository {
  constructor(readonly q: Queryable) {}

  async bookById(id: string): Promise<BookRef | null> {
    const { rows } = await this.q.query<{
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
  async storesOfBook(book: BookRef): Promise<StoreRef[]> {
    const { rows } = await this.q.query<{ id: string; region_id: string | null }>(
      `SELECT l.id, r.region_id FROM locations l LEFT JOIN pricing_store_regions r ON r.store_id = l.id
       WHERE l.kind = 'STORE' AND ($1::uuid IS NULL OR l.id = $1) AND ($2::text IS NULL OR r.region_id = $2)
       ORDER BY l.id`,
      [book.scope === 'STORE' ? book.storeId : null, book.scope === 'REGION' ? book.regionId : null],
    );
    return rows.map((r) => ({ storeId: r.id, regionId: r.region_id }));
  }

  /** A store's region and time zone (UTC when the store names none). */
  async storeRef(storeId: string): Promise<StoreRef & { timezone: string }> {
    const { rows } = await this.q.query<{ region_id: string | null; timezone: string | null }>(
      `SELECT r.region_id, l.timezone FROM locations l LEFT JOIN pricing_store_regions r ON r.store_id = l.id
       WHERE l.id = $1`,
      [storeId],
    );
    return { storeId, regionId: rows[0]?.region_id ?? null, timezone: rows[0]?.timezone ?? 'UTC' };
  }

  async isStore(id: string): Promise<boolean> {
    const { rows } = await this.q.query("SELECT 1 FROM locations WHERE id = $1 AND kind = 'STORE'", [id]);
    return rows.length > 0;
  }

  /**
   * Live entries of these skus (null: every sku) in every book (for a preview across a book's stores), or — with
   * `store` — in the books that apply to that store only.
   */
  async entriesFor(skus: readonly string[] | null, store?: StoreRef): Promise<ScopedEntry[]> {
    const { rows } = await this.q.query<EntryRow>(
      `SELECT e.book_id, b.scope, b.store_id, b.region_id, e.sku, e.price_minor, e.member_price_minor,
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
      memberPriceMinor: num(r.member_price_minor),
      from: Number(r.valid_from),
      to: num(r.valid_to),
      revision: Number(r.revision),
      storeId: r.store_id,
      regionId: r.region_id,
    }));
  }

  /** Promotions not deleted whose window meets [from, to) (the first 5,000 by priority). */
  async promotionsDuring(from: number, to: number): Promise<Promotion[]> {
    const { rows } = await this.q.query<PromotionRow>(
      `SELECT ${PROMOTION_COLUMNS} FROM pricing_promotions
       WHERE NOT deleted AND valid_from < $2 AND (valid_to IS NULL OR valid_to > $1) ORDER BY priority, id LIMIT 5000`,
      [from, to],
    );
    return rows.map(toPromotion);
  }

  async promotionById(id: string): Promise<Promotion | null> {
    const { rows } = await this.q.query<PromotionRow>(
      `SELECT ${PROMOTION_COLUMNS} FROM pricing_promotions WHERE id = $1 AND NOT deleted`,
      [id],
    );
    return rows[0] ? toPromotion(rows[0]) : null;
  }

  /** A new dry run, RUNNING. */
  async createDryRun(run: {
    id: string;
    promotion: Promotion;
    promotionId: string | null;
    from: number;
    to: number;
    storeId: string | null;
    createdBy: string | null;
    at: number;
  }): Promise<void> {
    await this.q.query(
      `INSERT INTO pricing_dry_runs (id, status, promotion, promotion_id, from_at, to_at, store_id, created_by, created_at, updated_at)
       VALUES ($1, 'RUNNING', $2::jsonb, $3, $4, $5, $6, $7, $8, $8)`,
      [run.id, JSON.stringify(run.promotion), run.promotionId, run.from, run.to, run.storeId, run.createdBy, run.at],
    );
  }

  async dryRun(id: string): Promise<DryRunRecord | null> {
    const { rows } = await this.q.query<DryRunRow>('SELECT * FROM pricing_dry_runs WHERE id = $1', [id]);
    return rows[0] ? toDryRun(rows[0]) : null;
  }

  /** How far a running dry run got: baskets scanned, up to which closedAt. */
  async dryRunProgress(id: string, scanned: number, reachedAt: number, at: number): Promise<void> {
    await this.q.query('UPDATE pricing_dry_runs SET scanned = $2, reached_at = $3, updated_at = $4 WHERE id = $1', [
      id,
      scanned,
      reachedAt,
      at,
    ]);
  }

  /** A running dry run DONE with its result (a run no longer RUNNING is left as it is). */
  async finishDryRun(id: string, result: DryRunResult, scanned: number, at: number): Promise<void> {
    await this.q.query(
      `UPDATE pricing_dry_runs SET status = 'DONE', result = $2::jsonb, scanned = $3, updated_at = $4
       WHERE id = $1 AND status = 'RUNNING'`,
      [id, JSON.stringify(result), scanned, at],
    );
  }

  /** A running dry run FAILED saying why (a run no longer RUNNING is left as it is). */
  async failDryRun(id: string, error: string, at: number): Promise<void> {
    await this.q.query(
      `UPDATE pricing_dry_runs SET status = 'FAILED', error = $2, updated_at = $3 WHERE id = $1 AND status = 'RUNNING'`,
      [id, error, at],
    );
  }
}
