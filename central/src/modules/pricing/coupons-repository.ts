import type { Queryable } from '../../db/db.js';

/** One batch of coupons as head office sees it: never its codes (they were shown once, at issue). */
export interface CouponBatch {
  readonly batchId: string;
  readonly promotionId: string;
  readonly firstSerial: number;
  readonly count: number;
  readonly expiresAt: number;
  readonly keyId: string;
  readonly createdBy: string | null;
  readonly createdAt: number;
  /** Coupons of this batch recorded as used (first redemptions). */
  readonly redeemed: number;
}

/** A coupon redeemed again after its first use, with the first redemption beside it. */
export interface CouponDouble {
  readonly couponId: string;
  readonly promotionId: string;
  readonly promotionName: string | null;
  readonly saleId: string;
  readonly storeId: string | null;
  readonly discountMinor: number;
  readonly at: number;
  readonly recordedAt: number;
  readonly first: { readonly saleId: string; readonly storeId: string | null; readonly at: number } | null;
}

export interface RedemptionRow {
  readonly couponId: string;
  readonly promotionId: string;
  readonly saleId: string;
  readonly storeId: string | null;
  readonly discountMinor: number;
  readonly at: number;
}

/** A coupon id's serial when it is `<promotionId>:<digits>` (what the hub issues), else NULL — never a cast error. */
const SERIAL_OF = (col: string) =>
  `CASE WHEN split_part(${col}, ':', 2) ~ '^[0-9]{1,15}$' THEN split_part(${col}, ':', 2)::bigint END`;

/** All SQL of coupon batches, redemptions and doubles. */
export class CouponsRepository {
  constructor(readonly q: Queryable) {}

  /** The promotion a batch is for (not deleted), with what issuing needs to know. */
  async promotion(
    id: string,
  ): Promise<{ id: string; name: string; couponRequired: boolean; to: number | null; deleted: boolean } | undefined> {
    const { rows } = await this.q.query<{
      id: string;
      name: string;
      coupon_required: boolean;
      valid_to: number | null;
      deleted: boolean;
    }>('SELECT id, name, coupon_required, valid_to, deleted FROM pricing_promotions WHERE id = $1', [id]);
    const r = rows[0];
    return (
      r && {
        id: r.id,
        name: r.name,
        couponRequired: r.coupon_required,
        to: r.valid_to === null ? null : Number(r.valid_to),
        deleted: r.deleted,
      }
    );
  }

  /** Takes `count` serials of the promotion's counter (one statement: two batches never share a serial). */
  async takeSerials(promotionId: string, count: number): Promise<number> {
    const { rows } = await this.q.query<{ last_serial: number }>(
      `INSERT INTO pricing_coupon_serials (promotion_id, last_serial) VALUES ($1, $2)
       ON CONFLICT (promotion_id) DO UPDATE SET last_serial = pricing_coupon_serials.last_serial + $2
       RETURNING last_serial`,
      [promotionId, count],
    );
    return Number(rows[0]!.last_serial) - count + 1;
  }

  async insertBatch(b: Omit<CouponBatch, 'redeemed'>): Promise<void> {
    await this.q.query(
      `INSERT INTO pricing_coupon_batches (id, promotion_id, first_serial, count, expires_at, key_id, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [b.batchId, b.promotionId, b.firstSerial, b.count, b.expiresAt, b.keyId, b.createdBy, b.createdAt],
    );
  }

  /** The promotion's batches, newest first (at most 500), with how many of each were used. */
  async batches(promotionId: string): Promise<CouponBatch[]> {
    const { rows } = await this.q.query<{
      id: string;
      promotion_id: string;
      first_serial: number;
      count: number;
      expires_at: number;
      key_id: string;
      created_by: string | null;
      created_at: number;
      redeemed: number;
    }>(
      `SELECT b.*, (SELECT count(*) FROM pricing_coupon_redemptions r
                     WHERE r.promotion_id = b.promotion_id AND NOT r.released
                       AND ${SERIAL_OF('r.coupon_id')} BETWEEN b.first_serial AND b.first_serial + b.count - 1) AS redeemed
         FROM pricing_coupon_batches b WHERE b.promotion_id = $1 ORDER BY b.first_serial DESC LIMIT 500`,
      [promotionId],
    );
    return rows.map((r) => ({
      batchId: r.id,
      promotionId: r.promotion_id,
      firstSerial: Number(r.first_serial),
      count: Number(r.count),
      expiresAt: Number(r.expires_at),
      keyId: r.key_id,
      createdBy: r.created_by,
      createdAt: Number(r.created_at),
      redeemed: Number(r.redeemed),
    }));
  }

  /** The first redemption of a coupon, if any (a released one is none: the coupon may be used again). */
  /** The sale of the Scan & Go payment holding the coupon while it is being charged (scan_go_coupon_holds), if any. */
  async holder(couponId: string): Promise<string | undefined> {
    const { rows } = await this.q.query<{ sale_id: string }>(
      'SELECT sale_id FROM scan_go_coupon_holds WHERE coupon_id = $1',
      [couponId],
    );
    return rows[0]?.sale_id;
  }

  async redemption(couponId: string): Promise<{ saleId: string; storeId: string | null; at: number } | undefined> {
    const { rows } = await this.q.query<{ sale_id: string; store_id: string | null; at: number }>(
      'SELECT sale_id, store_id, at FROM pricing_coupon_redemptions WHERE coupon_id = $1 AND NOT released',
      [couponId],
    );
    const r = rows[0];
    return r && { saleId: r.sale_id, storeId: r.store_id, at: Number(r.at) };
  }

  /**
   * Records the first redemption (over a released one); false (nothing written) when the coupon has one in force.
   */
  async insertFirst(r: RedemptionRow, recordedAt: number, revision: number): Promise<boolean> {
    const { rows } = await this.q.query(
      `INSERT INTO pricing_coupon_redemptions (coupon_id, promotion_id, sale_id, store_id, discount_minor, at, recorded_at, revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (coupon_id) DO UPDATE SET promotion_id = excluded.promotion_id, sale_id = excluded.sale_id,
         store_id = excluded.store_id, discount_minor = excluded.discount_minor, at = excluded.at,
         recorded_at = excluded.recorded_at, revision = excluded.revision, released = false
       WHERE pricing_coupon_redemptions.released
       RETURNING coupon_id`,
      [r.couponId, r.promotionId, r.saleId, r.storeId, r.discountMinor, r.at, recordedAt, revision],
    );
    return rows.length > 0;
  }

  /** Of these coupon ids, those `saleId` holds (redeemed by it and not released). */
  async heldBy(couponIds: readonly string[], saleId: string): Promise<string[]> {
    if (couponIds.length === 0) return [];
    const { rows } = await this.q.query<{ coupon_id: string }>(
      `SELECT coupon_id FROM pricing_coupon_redemptions
        WHERE coupon_id = ANY($1::text[]) AND sale_id = $2 AND NOT released ORDER BY coupon_id`,
      [couponIds, saleId],
    );
    return rows.map((r) => r.coupon_id);
  }

  /**
   * Gives a coupon back: its row becomes a tombstone at `revision` (stores drop their copy) — unless another sale
   * redeemed it too (a double), which then holds it: its row moves to that sale, still used, and leaves the doubles.
   */
  async release(couponId: string, revision: number): Promise<void> {
    const { rows } = await this.q.query<{
      sale_id: string;
      store_id: string | null;
      discount_minor: number;
      at: number;
      recorded_at: number;
    }>(
      `SELECT sale_id, store_id, discount_minor, at, recorded_at FROM pricing_coupon_doubles WHERE coupon_id = $1
        ORDER BY recorded_at, sale_id LIMIT 1`,
      [couponId],
    );
    const next = rows[0];
    if (!next) {
      await this.q.query('UPDATE pricing_coupon_redemptions SET released = true, revision = $2 WHERE coupon_id = $1', [
        couponId,
        revision,
      ]);
      return;
    }
    await this.q.query(
      `UPDATE pricing_coupon_redemptions SET sale_id = $2, store_id = $3, discount_minor = $4, at = $5, recorded_at = $6,
         revision = $7 WHERE coupon_id = $1`,
      [couponId, next.sale_id, next.store_id, next.discount_minor, next.at, next.recorded_at, revision],
    );
    await this.q.query('DELETE FROM pricing_coupon_doubles WHERE coupon_id = $1 AND sale_id = $2', [
      couponId,
      next.sale_id,
    ]);
  }

  /** Records a later redemption for head office (the same sale's twice is one row). */
  async insertDouble(r: RedemptionRow, recordedAt: number): Promise<void> {
    await this.q.query(
      `INSERT INTO pricing_coupon_doubles (coupon_id, sale_id, store_id, discount_minor, at, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (coupon_id, sale_id) DO NOTHING`,
      [r.couponId, r.saleId, r.storeId, r.discountMinor, r.at, recordedAt],
    );
  }

  /** Doubles in (recorded_at, coupon_id, sale_id) order after the cursor. */
  async doubles(
    after: { recordedAt: number; couponId: string; saleId: string } | null,
    limit: number,
  ): Promise<CouponDouble[]> {
    const { rows } = await this.q.query<{
      coupon_id: string;
      sale_id: string;
      store_id: string | null;
      discount_minor: number;
      at: number;
      recorded_at: number;
      promotion_id: string | null;
      promotion_name: string | null;
      first_sale_id: string | null;
      first_store_id: string | null;
      first_at: number | null;
    }>(
      `SELECT d.*, r.promotion_id, p.name AS promotion_name, r.sale_id AS first_sale_id, r.store_id AS first_store_id,
              r.at AS first_at
         FROM pricing_coupon_doubles d
         LEFT JOIN pricing_coupon_redemptions r ON r.coupon_id = d.coupon_id
         LEFT JOIN pricing_promotions p ON p.id = r.promotion_id
        WHERE $1::bigint IS NULL OR (d.recorded_at, d.coupon_id, d.sale_id) > ($1::bigint, $2::text, $3::text)
        ORDER BY d.recorded_at, d.coupon_id, d.sale_id LIMIT $4`,
      [after?.recordedAt ?? null, after?.couponId ?? '', after?.saleId ?? '', limit],
    );
    return rows.map((r) => ({
      couponId: r.coupon_id,
      promotionId: r.promotion_id ?? r.coupon_id.split(':')[0]!,
      promotionName: r.promotion_name,
      saleId: r.sale_id,
      storeId: r.store_id,
      discountMinor: Number(r.discount_minor),
      at: Number(r.at),
      recordedAt: Number(r.recorded_at),
      first:
        r.first_sale_id === null
          ? null
          : { saleId: r.first_sale_id, storeId: r.first_store_id, at: Number(r.first_at) },
    }));
  }
}

/** What the online check needs of a coupon's promotion and the store asking. */
export interface CouponScope {
  readonly name: string;
  readonly from: number;
  readonly to: number | null;
  readonly deleted: boolean;
  readonly couponRequired: boolean;
  readonly storeIds: readonly string[];
  readonly regionIds: readonly string[];
}

export class CouponScopeRepository {
  constructor(readonly q: Queryable) {}

  async promotion(id: string): Promise<CouponScope | undefined> {
    const { rows } = await this.q.query<{
      name: string;
      valid_from: number;
      valid_to: number | null;
      deleted: boolean;
      coupon_required: boolean;
      store_ids: string[];
      region_ids: string[];
    }>(
      `SELECT name, valid_from, valid_to, deleted, coupon_required, store_ids, region_ids
         FROM pricing_promotions WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return (
      r && {
        name: r.name,
        from: Number(r.valid_from),
        to: r.valid_to === null ? null : Number(r.valid_to),
        deleted: r.deleted,
        couponRequired: r.coupon_required,
        storeIds: r.store_ids ?? [],
        regionIds: r.region_ids ?? [],
      }
    );
  }

  async regionOf(storeId: string): Promise<string | null> {
    const { rows } = await this.q.query<{ region_id: string }>(
      'SELECT region_id FROM pricing_store_regions WHERE store_id = $1',
      [storeId],
    );
    return rows[0]?.region_id ?? null;
  }
}
