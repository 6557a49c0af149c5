import type { PriceEntryRow, PromotionRow, SigningKeyRow } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

/** Where rules apply: a store (with its region) or online (no store, no region: the chain's book only). */
export interface Place {
  readonly storeId: string | null;
  readonly regionId: string | null;
}

type PromotionDbRow = {
  id: string;
  name: string;
  rule: unknown;
  priority: number;
  stacking: string;
  valid_from: number | string;
  valid_to: number | string | null;
  store_ids: unknown;
  region_ids: unknown;
  coupon_required: boolean;
  members_only: boolean;
  deleted: boolean;
  revision: number | string;
};
export const PROMOTION_COLUMNS =
  'id, name, rule, priority, stacking, valid_from, valid_to, store_ids, region_ids, coupon_required, members_only, deleted, revision';

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const nullableNumber = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** A promotion row as stores hold it (`deleted` only on a tombstone; empty store/region lists left out). */
export function toPromotionRow(r: PromotionDbRow): PromotionRow {
  const storeIds = json(r.store_ids) as string[];
  const regionIds = json(r.region_ids) as string[];
  return {
    id: r.id,
    name: r.name,
    rule: json(r.rule) as PromotionRow['rule'],
    priority: Number(r.priority),
    stacking: r.stacking as PromotionRow['stacking'],
    from: Number(r.valid_from),
    to: nullableNumber(r.valid_to),
    ...(storeIds.length > 0 ? { storeIds } : {}),
    ...(regionIds.length > 0 ? { regionIds } : {}),
    ...(r.coupon_required ? { couponRequired: true } : {}),
    ...(r.members_only ? { membersOnly: true } : {}),
    revision: Number(r.revision),
    ...(r.deleted ? { deleted: true } : {}),
  };
}

type EntryDbRow = {
  id: string;
  book_id: string;
  scope: string;
  sku: string;
  price_minor: number | string;
  member_price_minor: number | string | null;
  valid_from: number | string;
  valid_to: number | string | null;
  revision: number | string;
  deleted: boolean;
};
export const ENTRY_COLUMNS =
  'e.id, e.book_id, b.scope, e.sku, e.price_minor, e.member_price_minor, e.valid_from, e.valid_to, e.revision, e.deleted';

export function toEntryRow(r: EntryDbRow): PriceEntryRow {
  return {
    id: r.id,
    bookId: r.book_id,
    scope: r.scope as PriceEntryRow['scope'],
    sku: r.sku,
    priceMinor: Number(r.price_minor),
    memberPriceMinor: nullableNumber(r.member_price_minor),
    from: Number(r.valid_from),
    to: nullableNumber(r.valid_to),
    revision: Number(r.revision),
    ...(r.deleted ? { deleted: true } : {}),
  };
}

/** The books that apply at a place (`$1` store id, `$2` region id; both may be null), as a condition on `b`. */
export const BOOK_APPLIES = `(b.scope = 'CHAIN' OR (b.scope = 'REGION' AND b.region_id = $2::text)
  OR (b.scope = 'STORE' AND b.store_id = $1::uuid))`;

/** Promotions that run at a place (`$1` store id, `$2` region id), as a condition on the promotions' columns. */
export const PROMOTION_RUNS = `((store_ids = '[]'::jsonb AND region_ids = '[]'::jsonb)
  OR ($1::text IS NOT NULL AND store_ids @> to_jsonb($1::text))
  OR ($2::text IS NOT NULL AND region_ids @> to_jsonb($2::text)))`;

type KeyDbRow = {
  key_id: string;
  public_key: string;
  created_at: number | string;
  retired_at: number | string | null;
  revision: number | string;
};
const toKeyRow = (r: KeyDbRow): SigningKeyRow => ({
  keyId: r.key_id,
  publicKey: r.public_key,
  createdAt: Number(r.created_at),
  retiredAt: nullableNumber(r.retired_at),
  revision: Number(r.revision),
});

/** The SQL the hub pricer and the stores' pull read the rules with (hub-pricer.ts, store-rules.ts). */
export class PricingRulesRepository {
  constructor(readonly q: Queryable) {}

  /** The store's region (null: none, or no such store). */
  async regionOf(storeId: string): Promise<string | null> {
    const { rows } = await this.q.query<{ region_id: string | null }>(
      'SELECT region_id FROM pricing_store_regions WHERE store_id = $1',
      [storeId],
    );
    return rows[0]?.region_id ?? null;
  }

  /**
   * The highest revision committed of what prices depend on (entries, promotions, keys, regions; not the used
   * coupons, which are read per basket): the hub pricer's cache key. Safe because revisions commit in order (revision.ts).
   */
  async rulesRevision(): Promise<number> {
    const { rows } = await this.q.query<{ r: number | string | null }>(
      `SELECT greatest((SELECT max(revision) FROM pricing_entries), (SELECT max(revision) FROM pricing_promotions),
         (SELECT max(revision) FROM pricing_signing_keys), (SELECT max(revision) FROM pricing_store_regions)) AS r`,
    );
    return Number(rows[0]?.r ?? 0);
  }

  /** The highest revision committed of anything stores hold (the used coupons too). */
  async newest(): Promise<number> {
    const { rows } = await this.q.query<{ r: number | string | null }>(
      `SELECT greatest((SELECT max(revision) FROM pricing_entries), (SELECT max(revision) FROM pricing_promotions),
         (SELECT max(revision) FROM pricing_signing_keys), (SELECT max(revision) FROM pricing_store_regions),
         (SELECT max(revision) FROM pricing_coupon_redemptions)) AS r`,
    );
    return Number(rows[0]?.r ?? 0);
  }

  /** Live entries of the books that apply at `place`, for these skus only (the pricer's basket). */
  async entriesFor(place: Place, skus: readonly string[]): Promise<PriceEntryRow[]> {
    if (skus.length === 0) return [];
    const { rows } = await this.q.query<EntryDbRow>(
      `SELECT ${ENTRY_COLUMNS} FROM pricing_entries e JOIN pricing_books b ON b.id = e.book_id
       WHERE NOT e.deleted AND e.sku = ANY($3::text[]) AND ${BOOK_APPLIES}`,
      [place.storeId, place.regionId, skus],
    );
    return rows.map(toEntryRow);
  }

  /** Promotions (not deleted) that run at `place`, whatever their window. */
  async promotionsFor(place: Place): Promise<PromotionRow[]> {
    const { rows } = await this.q.query<PromotionDbRow>(
      `SELECT ${PROMOTION_COLUMNS} FROM pricing_promotions WHERE NOT deleted AND ${PROMOTION_RUNS} ORDER BY id`,
      [place.storeId, place.regionId],
    );
    return rows.map(toPromotionRow);
  }

  async keys(): Promise<SigningKeyRow[]> {
    const { rows } = await this.q.query<KeyDbRow>(
      'SELECT key_id, public_key, created_at, retired_at, revision FROM pricing_signing_keys ORDER BY created_at, key_id',
    );
    return rows.map(toKeyRow);
  }

  /** Which of these coupon ids have been used. */
  async usedAmong(couponIds: readonly string[]): Promise<Set<string>> {
    if (couponIds.length === 0) return new Set();
    const { rows } = await this.q.query<{ coupon_id: string }>(
      'SELECT coupon_id FROM pricing_coupon_redemptions WHERE coupon_id = ANY($1::text[]) AND NOT released',
      [couponIds],
    );
    return new Set(rows.map((r) => r.coupon_id));
  }

  // ---- the stores' pull: rows changed in (after, upTo], in revision order, at most `limit` of each kind

  async entriesChanged(place: Place, after: number, upTo: number, limit: number): Promise<PriceEntryRow[]> {
    const { rows } = await this.q.query<EntryDbRow>(
      `SELECT ${ENTRY_COLUMNS} FROM pricing_entries e JOIN pricing_books b ON b.id = e.book_id
       WHERE e.revision > $3 AND e.revision <= $4 AND ${BOOK_APPLIES} ORDER BY e.revision LIMIT $5`,
      [place.storeId, place.regionId, after, upTo, limit],
    );
    return rows.map(toEntryRow);
  }

  /** Promotions changed: every one (those that do not run at `place` are the caller's to send as tombstones). */
  async promotionsChanged(
    place: Place,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ row: PromotionRow; runsHere: boolean }[]> {
    const { rows } = await this.q.query<PromotionDbRow & { runs_here: boolean }>(
      `SELECT ${PROMOTION_COLUMNS}, ${PROMOTION_RUNS} AS runs_here FROM pricing_promotions
       WHERE revision > $3 AND revision <= $4 ORDER BY revision LIMIT $5`,
      [place.storeId, place.regionId, after, upTo, limit],
    );
    return rows.map((r) => ({ row: toPromotionRow(r), runsHere: r.runs_here }));
  }

  async keysChanged(after: number, upTo: number, limit: number): Promise<SigningKeyRow[]> {
    const { rows } = await this.q.query<KeyDbRow>(
      `SELECT key_id, public_key, created_at, retired_at, revision FROM pricing_signing_keys
       WHERE revision > $1 AND revision <= $2 ORDER BY revision LIMIT $3`,
      [after, upTo, limit],
    );
    return rows.map(toKeyRow);
  }

  /** Used coupons changed; one given back (a failed or cancelled order's) is `released: true`: stores drop it. */
  async usedChanged(
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ couponId: string; revision: number; released?: true }[]> {
    const { rows } = await this.q.query<{ coupon_id: string; revision: number | string; released: boolean }>(
      `SELECT coupon_id, revision, released FROM pricing_coupon_redemptions
       WHERE revision > $1 AND revision <= $2 ORDER BY revision LIMIT $3`,
      [after, upTo, limit],
    );
    return rows.map((r) => ({
      couponId: r.coupon_id,
      revision: Number(r.revision),
      ...(r.released ? { released: true as const } : {}),
    }));
  }

  /** Rows a pull from 0 carries at most (entries of every book, promotions, keys, used coupons): for progress. */
  async rowCount(): Promise<number> {
    const { rows } = await this.q.query<{ n: number | string }>(
      `SELECT (SELECT count(*) FROM pricing_entries) + (SELECT count(*) FROM pricing_promotions)
         + (SELECT count(*) FROM pricing_signing_keys) + (SELECT count(*) FROM pricing_coupon_redemptions) AS n`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}
