import type { Queryable } from '../../db/db.js';

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
   * Locks the rows of `keys` until the transaction ends and returns what each can still promise (on hand − reserved −
   * safety; a sku never stocked there is absent, i.e. 0). Rows lock in (store, sku) order, so two transactions over
   * overlapping rows wait for each other instead of deadlocking.
   */
  async lockAvailable(tx: Queryable, keys: readonly StockKey[]): Promise<Map<string, number>> {
    if (!keys.length) return new Map();
    const { rows } = await tx.query<{ store_id: string; sku: string; available: number }>(
      `SELECT s.store_id, s.sku, s.on_hand - s.reserved - s.safety AS available
       FROM inventory_stock s JOIN unnest($1::uuid[], $2::text[]) AS k(store_id, sku) ON s.store_id = k.store_id AND s.sku = k.sku
       ORDER BY s.store_id, s.sku FOR UPDATE OF s`,
      [keys.map((k) => k.storeId), keys.map((k) => k.sku)],
    );
    return new Map(rows.map((r) => [stockKey({ storeId: r.store_id, sku: r.sku }), Number(r.available)]));
  },

  /** Adds signed amounts to `reserved` (never below 0), one statement for all rows. */
  async addReserved(tx: Queryable, changes: readonly (StockKey & { readonly qty: number })[], now: number): Promise<void> {
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
