import { timingSafeEqual } from 'node:crypto';
import { TYPED_CODE_MAX_TRIES, type HoldSnapshot } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

export interface LocalReservation {
  readonly id: string;
  readonly status: string;
  readonly customerRef: string;
  readonly lines: { sku: string; qty: number }[];
  readonly expiresAt: number;
  readonly updatedAt: number;
  readonly handedOverAt: number | null;
  readonly noShowAt: number | null;
  /** Curbside: where the customer parked and when they said they arrived. */
  readonly parkingSpot: string | null;
  readonly arrivedAt: number | null;
  /** Why this store ended the hold itself (the hub no longer held it), or null. */
  readonly endedReason: string | null;
  /** The order the hold is for (`SF-10482`), or null (a hold on its own, or one from an older hub). */
  readonly orderNumber: string | null;
  /** When the hub granted the hold, or null when it came only from a pickup code. */
  readonly createdAt: number | null;
  /** Whether the hold has a typed pickup code (holds from before typed codes have only the QR). */
  readonly hasTypedCode: boolean;
  /** Wrong typed codes this hold may still take before its typed entry locks. */
  readonly typedTriesLeft: number;
}

interface Row {
  id: string;
  status: string;
  customer_ref: string;
  lines: string;
  expires_at: number;
  updated_at: number;
  handed_over_at: number | null;
  no_show_at: number | null;
  parking_spot: string | null;
  arrived_at: number | null;
  ended_reason: string | null;
  order_number: string | null;
  created_at: number | null;
  code_hash: string | null;
  code_tries: number;
}

const toLocal = (r: Row): LocalReservation => ({
  id: r.id,
  status: r.status,
  customerRef: r.customer_ref,
  lines: JSON.parse(r.lines) as { sku: string; qty: number }[],
  expiresAt: r.expires_at,
  updatedAt: r.updated_at,
  handedOverAt: r.handed_over_at,
  noShowAt: r.no_show_at,
  parkingSpot: r.parking_spot,
  arrivedAt: r.arrived_at,
  endedReason: r.ended_reason,
  orderNumber: r.order_number,
  createdAt: r.created_at,
  hasTypedCode: r.code_hash !== null,
  typedTriesLeft: Math.max(0, TYPED_CODE_MAX_TRIES - r.code_tries),
});

/** The keys the hub gives a store for its pickups. */
export type PickupKey = 'pickup_public_key' | 'pickup_typed_code_key';

/** All SQL of the store's BOPIS module. */
export class BopisRepository {
  constructor(readonly db: SqliteDb) {}

  /**
   * A curbside customer's arrival (the feed's `order.checked-in`); false when the hold has not reached this store. An
   * arrival older than the one recorded (a parked entry replayed after a later check-in) leaves the later one.
   */
  checkIn(reservationId: string, orderId: string, parkingSpot: string, at: number): boolean {
    const changed = this.db
      .prepare(
        'UPDATE bopis_reservations SET order_id = ?, parking_spot = ?, arrived_at = ? WHERE id = ? AND (arrived_at IS NULL OR arrived_at <= ?)',
      )
      .run(orderId, parkingSpot, at, reservationId, at).changes;
    return changed > 0 || this.get(reservationId) !== undefined;
  }

  /** Applies the hub's version unless an older one, and never undoes what this store did (hand-over, no-show). */
  upsertFromHub(r: {
    id: string;
    status: string;
    customerRef: string;
    lines: unknown;
    expiresAt: number;
    updatedAt: number;
    createdAt?: number | undefined;
    orderNumber?: string | null | undefined;
    pickupCodeHash?: string | null | undefined;
  }): void {
    // A new code hash (the hold moved here from another store, hashed under this store's key) starts its tries afresh.
    this.db
      .prepare(
        `INSERT INTO bopis_reservations (id, status, customer_ref, lines, expires_at, updated_at, created_at, order_number, code_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           status = CASE WHEN handed_over_at IS NOT NULL THEN 'FULFILLED' WHEN no_show_at IS NOT NULL THEN status ELSE excluded.status END,
           customer_ref = excluded.customer_ref, lines = excluded.lines, expires_at = excluded.expires_at, updated_at = excluded.updated_at,
           ended_reason = NULL, created_at = coalesce(excluded.created_at, created_at),
           order_number = coalesce(excluded.order_number, order_number),
           code_tries = CASE WHEN excluded.code_hash IS NOT code_hash AND excluded.code_hash IS NOT NULL THEN 0 ELSE code_tries END,
           code_hash = coalesce(excluded.code_hash, code_hash)
         WHERE excluded.updated_at >= bopis_reservations.updated_at`,
      )
      .run(
        r.id,
        r.status,
        r.customerRef,
        JSON.stringify(r.lines),
        r.expiresAt,
        r.updatedAt,
        r.createdAt ?? null,
        r.orderNumber ?? null,
        r.pickupCodeHash ?? null,
      );
  }

  /**
   * Ends, with `reason`, this store's open holds with ids in the snapshot's range that it does not list (the hub no
   * longer holds them). A hold handed over or marked no-show here stays as it is (its event goes up as usual), and so
   * does one the hub changed after `asOf` (the snapshot's createdAt): a snapshot replayed late (it was parked) does not
   * end holds that reached the store after it. Returns how many ended.
   */
  endUnlisted(snapshot: HoldSnapshot, reason: string, asOf: number): number {
    return this.db
      .prepare(
        // updated_at moves to the snapshot's time, so a copy of the hold no newer than the snapshot (a re-pulled cold-start
        // row, a resent feed entry) cannot reopen what it ended.
        `UPDATE bopis_reservations SET status = 'RELEASED', ended_reason = @reason, updated_at = @asOf
         WHERE status IN ('HELD', 'CONFIRMED') AND handed_over_at IS NULL AND no_show_at IS NULL AND updated_at <= @asOf
           AND (@from IS NULL OR id >= @from) AND (@to IS NULL OR id < @to) AND id NOT IN (SELECT value FROM json_each(@ids))`,
      )
      .run({ from: snapshot.from, to: snapshot.to, ids: JSON.stringify(snapshot.ids), reason, asOf }).changes;
  }

  insertFromCode(id: string, lines: unknown, expiresAt: number): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO bopis_reservations (id, status, customer_ref, lines, expires_at, updated_at) VALUES (?, 'CONFIRMED', '(pickup code)', ?, ?, 0)`,
      )
      .run(id, JSON.stringify(lines), expiresAt);
  }

  get(id: string): LocalReservation | undefined {
    const row = this.db.prepare('SELECT * FROM bopis_reservations WHERE id = ?').get(id) as Row | undefined;
    return row && toLocal(row);
  }

  /**
   * The desk's list: open holds, soonest expiry first, then those handed over or marked no-show here in the last
   * `recentMs` (newest first), so a hand-over shows as done instead of vanishing.
   */
  due(limit: number, now: number, recentMs: number): LocalReservation[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM bopis_reservations WHERE status IN ('HELD', 'CONFIRMED') ORDER BY expires_at LIMIT @limit)
         UNION ALL SELECT * FROM (SELECT * FROM bopis_reservations WHERE coalesce(handed_over_at, no_show_at) >= @since
           ORDER BY coalesce(handed_over_at, no_show_at) DESC LIMIT @limit)`,
      )
      .all({ limit, since: now - recentMs }) as Row[];
    return rows.map(toLocal);
  }

  /**
   * Holds whose order number is `orderNumber` (exact, as `SF-10482`), else whose id starts with `q`, customer name
   * contains it, or order number ends with it (`10482`); open ones first, then by expiry.
   */
  search(q: string, orderNumber: string | undefined, limit: number): LocalReservation[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM bopis_reservations
         WHERE (@number IS NOT NULL AND order_number = @number)
            OR (@number IS NULL AND (id LIKE @q || '%' OR customer_ref LIKE '%' || @q || '%' OR order_number LIKE '%' || @q))
         ORDER BY status NOT IN ('HELD', 'CONFIRMED'), expires_at LIMIT @limit`,
      )
      .all({ q, number: orderNumber ?? null, limit }) as Row[];
    return rows.map(toLocal);
  }

  /**
   * The open hold whose typed code has this hash (unique among open holds at the hub), if any. A hold whose typed entry
   * locked (`TYPED_CODE_MAX_TRIES` wrong codes) is not found by its code: only its QR opens it then.
   */
  byCodeHash(hash: string): LocalReservation | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM bopis_reservations WHERE code_hash = ? AND status IN ('HELD', 'CONFIRMED') AND code_tries < ?`,
      )
      .get(hash, TYPED_CODE_MAX_TRIES) as Row | undefined;
    return row && toLocal(row);
  }

  /** Counts one typed code that matched no hold in the search box; drops the misses from before `since`. */
  recordCodeMiss(at: number, since: number): void {
    this.db.prepare('DELETE FROM bopis_code_misses WHERE at < ?').run(since);
    this.db.prepare('INSERT INTO bopis_code_misses (at) VALUES (?)').run(at);
  }

  /** The search box's code misses since `since`: how many, and when the oldest was (null: none). */
  codeMissesSince(since: number): { count: number; oldest: number | null } {
    return this.db
      .prepare('SELECT count(*) AS count, min(at) AS oldest FROM bopis_code_misses WHERE at >= ?')
      .get(since) as { count: number; oldest: number | null };
  }

  /**
   * Checks a typed code's hash against the hold's, counting a wrong one (the count is what locks the hold's typed entry).
   * `locked` when the hold had no tries left (nothing counted); `none` when it has no typed code.
   */
  checkCode(id: string, hash: string): 'matched' | 'wrong' | 'locked' | 'none' {
    const row = this.db.prepare('SELECT code_hash, code_tries FROM bopis_reservations WHERE id = ?').get(id) as
      | Pick<Row, 'code_hash' | 'code_tries'>
      | undefined;
    if (!row?.code_hash) return 'none';
    if (row.code_tries >= TYPED_CODE_MAX_TRIES) return 'locked';
    const a = Buffer.from(row.code_hash);
    const b = Buffer.from(hash);
    if (a.length === b.length && timingSafeEqual(a, b)) return 'matched';
    this.db.prepare('UPDATE bopis_reservations SET code_tries = code_tries + 1 WHERE id = ?').run(id);
    return 'wrong';
  }

  /** A pickup key the hub gave this store (`pickup_public_key`, `pickup_typed_code_key`), kept in node_meta. */
  key(name: PickupKey): string | undefined {
    return (
      (this.db.prepare('SELECT value FROM node_meta WHERE key = ?').pluck().get(name) as string | undefined) ??
      undefined
    );
  }

  saveKey(name: PickupKey, value: string, now: number): void {
    this.db
      .prepare(
        'INSERT INTO node_meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(name, value, now);
  }

  /** Names and categories of these skus from the store's copy of the catalog (skus it does not have are left out). */
  products(skus: readonly string[]): Map<string, { name: string; category: string }> {
    if (!skus.length) return new Map();
    const rows = this.db
      .prepare('SELECT sku, name, category FROM catalog_products WHERE sku IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify([...new Set(skus)])) as { sku: string; name: string; category: string }[];
    return new Map(rows.map((r) => [r.sku, { name: r.name, category: r.category }]));
  }

  markHandedOver(id: string, at: number): void {
    this.db.prepare(`UPDATE bopis_reservations SET status = 'FULFILLED', handed_over_at = ? WHERE id = ?`).run(at, id);
  }

  markNoShow(id: string, at: number): void {
    this.db.prepare(`UPDATE bopis_reservations SET status = 'NO_SHOW', no_show_at = ? WHERE id = ?`).run(at, id);
  }
}
