import { uuidv7 } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

export interface Incident {
  readonly id: string;
  readonly storeId: string;
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly short: number;
  readonly status: 'OPEN' | 'REPAIRED';
  readonly resolution: unknown;
  readonly detectedAt: number;
  readonly resolvedAt: number | null;
}

interface Row {
  id: string;
  store_id: string;
  sku: string;
  on_hand: number;
  reserved: number;
  short: number;
  status: 'OPEN' | 'REPAIRED';
  resolution: unknown;
  detected_at: number;
  resolved_at: number | null;
}

const toIncident = (r: Row): Incident => ({
  id: r.id,
  storeId: r.store_id,
  sku: r.sku,
  onHand: Number(r.on_hand),
  reserved: Number(r.reserved),
  short: Number(r.short),
  status: r.status,
  resolution: r.resolution,
  detectedAt: r.detected_at,
  resolvedAt: r.resolved_at,
});

/**
 * Oversell incidents (all their SQL): recorded when movements from a store leave its on-hand below its reserved
 * units, repaired by the reservations module (provided to it as `inventory.incidents`).
 */
export const incidents = {
  /** After a store's movements: one OPEN incident per (store, sku) now reserved beyond its on-hand. Returns how many are new. */
  async detect(tx: Queryable, storeId: string, skus: readonly string[], now: number): Promise<number> {
    if (!skus.length) return 0;
    const { rows } = await tx.query<{ sku: string; on_hand: number; reserved: number }>(
      'SELECT sku, on_hand, reserved FROM inventory_stock WHERE store_id = $1 AND sku = ANY($2::text[]) AND on_hand < reserved',
      [storeId, skus],
    );
    let made = 0;
    for (const r of rows) {
      const res = await tx.query(
        `INSERT INTO inventory_incidents (id, store_id, sku, on_hand, reserved, short, status, detected_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'OPEN', $7) ON CONFLICT (store_id, sku) WHERE status = 'OPEN' DO NOTHING`,
        [uuidv7(now), storeId, r.sku, r.on_hand, r.reserved, Number(r.reserved) - Number(r.on_hand), now],
      );
      made += res.rowCount;
    }
    return made;
  },

  /**
   * Open incidents to repair, locked (their stock rows are not); another repairer skips them. Each one's `short` is
   * what is short now, if more than when it was detected: a later sale of the sku at the store while it was open was
   * folded into it (`detect` leaves an open incident as it is). A repairer that has since locked the stock rows calls
   * this again for figures no sale can change before it commits.
   */
  async lockOpen(tx: Queryable, limit: number): Promise<Incident[]> {
    const { rows } = await tx.query<Row & { short_now: number | null }>(
      `SELECT i.*, (SELECT s.reserved - s.on_hand FROM inventory_stock s WHERE s.store_id = i.store_id AND s.sku = i.sku)
         AS short_now
       FROM inventory_incidents i WHERE i.status = 'OPEN' ORDER BY i.detected_at LIMIT $1 FOR UPDATE OF i SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => {
      const incident = toIncident(r);
      return { ...incident, short: Math.max(incident.short, Number(r.short_now ?? 0)) };
    });
  },

  async resolve(tx: Queryable, id: string, resolution: unknown, now: number): Promise<void> {
    await tx.query(
      `UPDATE inventory_incidents SET status = 'REPAIRED', resolution = $2, resolved_at = $3 WHERE id = $1`,
      [id, JSON.stringify(resolution), now],
    );
  },

  /** Newest first; with `storeId`, that store's only. */
  async list(
    q: Queryable,
    status: 'OPEN' | 'REPAIRED' | undefined,
    limit: number,
    storeId?: string,
  ): Promise<Incident[]> {
    const { rows } = await q.query<Row>(
      `SELECT * FROM inventory_incidents WHERE ($1::text IS NULL OR status = $1) AND ($3::uuid IS NULL OR store_id = $3)
       ORDER BY detected_at DESC LIMIT $2`,
      [status ?? null, limit, storeId ?? null],
    );
    return rows.map(toIncident);
  },

  /** Stores by distance from `storeId` (other stores only), for re-sourcing. */
  async storesNear(
    q: Queryable,
    storeId: string,
    radiusKm: number,
    limit: number,
  ): Promise<{ storeId: string; distanceKm: number }[]> {
    const { rows } = await q.query<{ id: string; km: number }>(
      `SELECT * FROM (
         SELECT o.id, 2 * 6371.0088 * asin(sqrt(power(sin(radians(o.lat - s.lat) / 2), 2)
           + cos(radians(s.lat)) * cos(radians(o.lat)) * power(sin(radians(o.lon - s.lon) / 2), 2))) AS km
         FROM locations s JOIN locations o ON o.kind = 'STORE' AND o.id <> s.id WHERE s.id = $1
       ) near WHERE km <= $2 ORDER BY km LIMIT $3`,
      [storeId, radiusKm, limit],
    );
    return rows.map((r) => ({ storeId: r.id, distanceKm: Math.round(r.km * 100) / 100 }));
  },
};

export type Incidents = typeof incidents;
