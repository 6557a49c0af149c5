import type { Queryable } from '../../db/db.js';
import { offlineBuffer, VELOCITY_WINDOW_MS } from './stock-rules.js';

export interface StockKey {
  readonly storeId: string;
  readonly sku: string;
}

export const stockKey = (k: StockKey): string => `${k.storeId}/${k.sku}`;

/**
 * Stock primitives for the reservations module (provided as the service `inventory.holds`); each runs in the
 * caller's transaction and touches any number of rows in one statement.
 */
export const stockHolds = {
  /**
   * Locks the rows of `keys` until the transaction ends and returns what each can still promise: on hand − reserved −
   * safety, less the offline buffer of a store the hub has not heard from (see `offlineBuffer`); a sku never stocked
   * there is absent, i.e. 0. Rows lock in (store, sku) order, so two transactions over overlapping rows wait for each
   * other instead of deadlocking.
   */
  async lockAvailable(tx: Queryable, keys: readonly StockKey[], now: number): Promise<Map<string, number>> {
    if (!keys.length) return new Map();
    const { rows } = await tx.query<{
      store_id: string;
      sku: string;
      available: number;
      connected: boolean | null;
      last_seen_at: number | null;
    }>(
      `SELECT s.store_id, s.sku, s.on_hand - s.reserved - s.safety AS available, c.connected, c.last_seen_at
       FROM inventory_stock s JOIN unnest($1::uuid[], $2::text[]) AS k(store_id, sku) ON s.store_id = k.store_id AND s.sku = k.sku
       LEFT JOIN sync_connections c ON c.store_id = s.store_id
       ORDER BY s.store_id, s.sku FOR UPDATE OF s`,
      [keys.map((k) => k.storeId), keys.map((k) => k.sku)],
    );
    const available = new Map(rows.map((r) => [stockKey({ storeId: r.store_id, sku: r.sku }), Number(r.available)]));
    const silent = rows.filter((r) => r.connected === false && r.last_seen_at !== null);
    if (silent.length) {
      const { rows: sold } = await tx.query<{ store_id: string; sku: string; sold: number }>(
        `SELECT m.store_id, m.sku, -sum(m.delta) AS sold FROM inventory_movements m
         JOIN unnest($1::uuid[], $2::text[]) AS k(store_id, sku) ON m.store_id = k.store_id AND m.sku = k.sku
         WHERE m.kind = 'SALE' AND m.at > $3 GROUP BY m.store_id, m.sku`,
        [silent.map((r) => r.store_id), silent.map((r) => r.sku), now - VELOCITY_WINDOW_MS],
      );
      const soldBy = new Map(sold.map((s) => [stockKey({ storeId: s.store_id, sku: s.sku }), Number(s.sold)]));
      for (const r of silent) {
        const key = stockKey({ storeId: r.store_id, sku: r.sku });
        available.set(key, available.get(key)! - offlineBuffer(soldBy.get(key) ?? 0, now - r.last_seen_at!));
      }
    }
    return available;
  },

  /** Adds signed amounts to `reserved` (never below 0), one statement for all rows. */
  async addReserved(
    tx: Queryable,
    changes: readonly (StockKey & { readonly qty: number })[],
    now: number,
  ): Promise<void> {
    const net = new Map<string, StockKey & { qty: number }>();
    for (const c of changes) {
      const k = stockKey(c);
      net.set(k, { storeId: c.storeId, sku: c.sku, qty: (net.get(k)?.qty ?? 0) + c.qty });
    }
    const all = [...net.values()].filter((c) => c.qty !== 0);
    if (!all.length) return;
    await tx.query(
      `UPDATE inventory_stock s SET reserved = GREATEST(s.reserved + d.qty, 0), updated_at = $4
       FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS d(store_id, sku, qty)
       WHERE s.store_id = d.store_id AND s.sku = d.sku`,
      [all.map((c) => c.storeId), all.map((c) => c.sku), all.map((c) => c.qty), now],
    );
  },
};

export type StockHolds = typeof stockHolds;
