import type { PricedBasket } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

export type ScanGoStatus = 'SHOPPING' | 'CHARGING' | 'PAID' | 'CANCELLED';

/** A Scan & Go session as stored (schema/003_scan_go.sql). */
export interface ScanGoRow {
  readonly id: string;
  readonly customerId: string;
  readonly storeId: string;
  readonly status: ScanGoStatus;
  /** The priced basket being (or that was) charged; null while SHOPPING. */
  readonly charging: PricedBasket | null;
  readonly saleId: string | null;
  /** Checkout attempts so far (each one its own payment: `paymentKey`). */
  readonly attempt: number;
  readonly currency: string | null;
  readonly totalMinor: number | null;
  readonly itemCount: number | null;
  readonly paymentRef: string | null;
  readonly exitToken: string | null;
  readonly audit: boolean | null;
  readonly chargingSince: number | null;
  readonly paidAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ExitRow {
  readonly sessionId: string;
  readonly storeId: string;
  readonly outcome: 'PASSED' | 'AUDITED' | 'REFUSED';
  readonly at: number;
  readonly refusal: string | null;
  readonly counted: number | null;
  readonly matched: boolean | null;
}

interface Raw {
  id: string;
  customer_id: string;
  store_id: string;
  status: ScanGoStatus;
  charging: PricedBasket | string | null;
  sale_id: string | null;
  attempt: number | string | null;
  currency: string | null;
  total_minor: number | string | null;
  item_count: number | null;
  payment_ref: string | null;
  exit_token: string | null;
  audit: boolean | null;
  charging_since: number | string | null;
  paid_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
const toRow = (r: Raw): ScanGoRow => ({
  id: r.id,
  customerId: r.customer_id,
  storeId: r.store_id,
  status: r.status,
  charging: typeof r.charging === 'string' ? (JSON.parse(r.charging) as PricedBasket) : r.charging,
  saleId: r.sale_id,
  attempt: Number(r.attempt ?? 0),
  currency: r.currency,
  totalMinor: num(r.total_minor),
  itemCount: r.item_count,
  paymentRef: r.payment_ref,
  exitToken: r.exit_token,
  audit: r.audit,
  chargingSince: num(r.charging_since),
  paidAt: num(r.paid_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** All SQL of Scan & Go at the hub (and the two reads it makes of the catalog's and customers' tables). */
export class ScanGoRepository {
  constructor(readonly q: Queryable) {}

  async get(id: string): Promise<ScanGoRow | undefined> {
    const { rows } = await this.q.query<Raw>('SELECT * FROM scan_go_sessions WHERE id = $1', [id]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** The customer's open session (SHOPPING or CHARGING), if any. */
  async openOf(customerId: string): Promise<ScanGoRow | undefined> {
    const { rows } = await this.q.query<Raw>(
      "SELECT * FROM scan_go_sessions WHERE customer_id = $1 AND status IN ('SHOPPING', 'CHARGING')",
      [customerId],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** Inserts a SHOPPING session; false when the customer already has an open one (the unique index). */
  async insert(id: string, customerId: string, storeId: string, now: number): Promise<boolean> {
    const { rows } = await this.q.query(
      `INSERT INTO scan_go_sessions (id, customer_id, store_id, status, created_at, updated_at)
       VALUES ($1, $2, $3, 'SHOPPING', $4, $4)
       ON CONFLICT (customer_id) WHERE status IN ('SHOPPING', 'CHARGING') DO NOTHING RETURNING id`,
      [id, customerId, storeId, now],
    );
    return rows.length === 1;
  }

  /**
   * SHOPPING → CHARGING with what is charged, the attempt counted up, and the basket's coupons held, in the caller's
   * transaction: exactly one checkout wins. Answers the attempt number; `{ taken }` names the coupons (by id) another
   * sale already redeemed or another session holds (nothing is changed then: the caller rolls back).
   */
  async startCharging(
    id: string,
    basket: PricedBasket,
    saleId: string,
    couponIds: readonly string[],
    now: number,
  ): Promise<{ attempt: number } | { taken: string[] } | null> {
    const { rows } = await this.q.query<{ attempt: number }>(
      `UPDATE scan_go_sessions SET status = 'CHARGING', charging = $2, sale_id = $3, currency = $4, total_minor = $5,
         item_count = $6, charging_since = $7, updated_at = $7, attempt = attempt + 1
       WHERE id = $1 AND status = 'SHOPPING' RETURNING attempt`,
      [id, JSON.stringify(basket), saleId, basket.currency, basket.totalMinor, basket.itemCount, now],
    );
    if (rows.length !== 1) return null;
    if (!couponIds.length) return { attempt: Number(rows[0]!.attempt) };
    const taken: string[] = [];
    const used = await this.q.query<{ coupon_id: string }>(
      'SELECT coupon_id FROM pricing_coupon_redemptions WHERE coupon_id = ANY($1::text[])',
      [couponIds],
    );
    taken.push(...used.rows.map((r) => r.coupon_id));
    for (const couponId of couponIds) {
      if (taken.includes(couponId)) continue;
      const held = await this.q.query(
        `INSERT INTO scan_go_coupon_holds (coupon_id, session_id, sale_id, held_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (coupon_id) DO NOTHING RETURNING coupon_id`,
        [couponId, id, saleId, now],
      );
      if (held.rows.length !== 1) taken.push(couponId);
    }
    return taken.length ? { taken: taken.sort() } : { attempt: Number(rows[0]!.attempt) };
  }

  /** The session's coupon holds end (it was paid, declined, voided or cancelled). */
  async releaseCoupons(id: string): Promise<void> {
    await this.q.query('DELETE FROM scan_go_coupon_holds WHERE session_id = $1', [id]);
  }

  /** CHARGING → SHOPPING (the card was declined, or nothing was asked of a provider); its coupons' holds end. */
  async backToShopping(id: string, now: number): Promise<boolean> {
    const { rows } = await this.q.query(
      `UPDATE scan_go_sessions SET status = 'SHOPPING', charging = NULL, sale_id = NULL, charging_since = NULL,
         updated_at = $2
       WHERE id = $1 AND status = 'CHARGING' RETURNING id`,
      [id, now],
    );
    if (rows.length === 1) await this.releaseCoupons(id);
    return rows.length === 1;
  }

  /** CHARGING → PAID with the exit token; false when another process finished it first. */
  async markPaid(
    id: string,
    paid: { paymentRef: string; exitToken: string; audit: boolean; at: number },
  ): Promise<boolean> {
    const { rows } = await this.q.query(
      `UPDATE scan_go_sessions SET status = 'PAID', payment_ref = $2, exit_token = $3, audit = $4, paid_at = $5,
         updated_at = $5
       WHERE id = $1 AND status = 'CHARGING' RETURNING id`,
      [id, paid.paymentRef, paid.exitToken, paid.audit, paid.at],
    );
    return rows.length === 1;
  }

  async cancel(id: string, now: number): Promise<boolean> {
    const { rows } = await this.q.query(
      `UPDATE scan_go_sessions SET status = 'CANCELLED', updated_at = $2 WHERE id = $1 AND status = 'SHOPPING'
       RETURNING id`,
      [id, now],
    );
    if (rows.length === 1) await this.releaseCoupons(id);
    return rows.length === 1;
  }

  /** CHARGING sessions started before `before`, oldest first (the settle job's). */
  async chargingSince(before: number, limit: number): Promise<ScanGoRow[]> {
    const { rows } = await this.q.query<Raw>(
      `SELECT * FROM scan_go_sessions WHERE status = 'CHARGING' AND charging_since < $1
       ORDER BY charging_since LIMIT $2`,
      [before, limit],
    );
    return rows.map(toRow);
  }

  /** Whether `storeId` is a store (a location of kind STORE). */
  async isStore(storeId: string): Promise<boolean> {
    const { rows } = await this.q.query("SELECT 1 FROM locations WHERE id = $1 AND kind = 'STORE'", [storeId]);
    return rows.length === 1;
  }

  /** Records exits the doors reported; a repeated one (same session, outcome and time) adds nothing. */
  async insertExits(exits: readonly ExitRow[], recordedAt: number): Promise<void> {
    for (const e of exits)
      await this.q.query(
        `INSERT INTO scan_go_exits (session_id, store_id, outcome, at, refusal, counted, matched, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [e.sessionId, e.storeId, e.outcome, e.at, e.refusal, e.counted, e.matched, recordedAt],
      );
  }

  async exits(f: { storeId: string | null; from: number; to: number; limit: number }): Promise<ExitRow[]> {
    const { rows } = await this.q.query<{
      session_id: string;
      store_id: string;
      outcome: ExitRow['outcome'];
      at: number | string;
      refusal: string | null;
      counted: number | null;
      matched: boolean | null;
    }>(
      `SELECT session_id, store_id, outcome, at, refusal, counted, matched FROM scan_go_exits
       WHERE ($1::uuid IS NULL OR store_id = $1) AND at >= $2 AND at < $3
       ORDER BY at DESC, session_id LIMIT $4`,
      [f.storeId, f.from, f.to, f.limit],
    );
    return rows.map((r) => ({
      sessionId: r.session_id,
      storeId: r.store_id,
      outcome: r.outcome,
      at: Number(r.at),
      refusal: r.refusal,
      counted: r.counted,
      matched: r.matched,
    }));
  }

  async exitCounts(f: { storeId: string | null; from: number; to: number }): Promise<Record<string, number>> {
    const { rows } = await this.q.query<{ outcome: string; n: number }>(
      `SELECT outcome, count(*)::int AS n FROM scan_go_exits
       WHERE ($1::uuid IS NULL OR store_id = $1) AND at >= $2 AND at < $3 GROUP BY outcome`,
      [f.storeId, f.from, f.to],
    );
    const out: Record<string, number> = { PASSED: 0, AUDITED: 0, REFUSED: 0 };
    for (const r of rows) out[r.outcome] = r.n;
    return out;
  }
}
