import type { HoldSnapshot } from '@storefleet/shared';
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
});

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
  }): void {
    this.db
      .prepare(
        `INSERT INTO bopis_reservations (id, status, customer_ref, lines, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           status = CASE WHEN handed_over_at IS NOT NULL THEN 'FULFILLED' WHEN no_show_at IS NOT NULL THEN status ELSE excluded.status END,
           customer_ref = excluded.customer_ref, lines = excluded.lines, expires_at = excluded.expires_at, updated_at = excluded.updated_at,
           ended_reason = NULL
         WHERE excluded.updated_at >= bopis_reservations.updated_at`,
      )
      .run(r.id, r.status, r.customerRef, JSON.stringify(r.lines), r.expiresAt, r.updatedAt);
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

  /** Open reservations, soonest expiry first; `q` matches the start of the id or part of the customer reference. */
  search(q: string | undefined, limit: number): LocalReservation[] {
    const rows = q
      ? (this.db
          .prepare(
            `SELECT * FROM bopis_reservations WHERE id LIKE ? || '%' OR customer_ref LIKE '%' || ? || '%' ORDER BY expires_at LIMIT ?`,
          )
          .all(q, q, limit) as Row[])
      : (this.db
          .prepare(`SELECT * FROM bopis_reservations WHERE status IN ('HELD', 'CONFIRMED') ORDER BY expires_at LIMIT ?`)
          .all(limit) as Row[]);
    return rows.map(toLocal);
  }

  markHandedOver(id: string, at: number): void {
    this.db.prepare(`UPDATE bopis_reservations SET status = 'FULFILLED', handed_over_at = ? WHERE id = ?`).run(at, id);
  }

  markNoShow(id: string, at: number): void {
    this.db.prepare(`UPDATE bopis_reservations SET status = 'NO_SHOW', no_show_at = ? WHERE id = ?`).run(at, id);
  }
}
