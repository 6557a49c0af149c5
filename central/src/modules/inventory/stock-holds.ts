import type { Queryable } from '../../db/db.js';

export interface HoldLine {
  readonly sku: string;
  readonly qty: number;
}

/**
 * Holds against available stock, for the reservations module (provided as the service `inventory.holds`). Every
 * method runs in the caller's transaction. `hold` is all-or-nothing through that transaction: it stops at the first
 * line that does not fit and says which; the caller rolls back. Lines go in sku order, so two multi-line holds on
 * the same skus lock rows in the same order and cannot deadlock.
 */
export const stockHolds = {
  async hold(tx: Queryable, storeId: string, lines: readonly HoldLine[], now: number): Promise<{ ok: true } | { ok: false; sku: string; available: number }> {
    for (const line of [...lines].sort((a, b) => a.sku.localeCompare(b.sku))) {
      const res = await tx.query(
        `UPDATE inventory_stock SET reserved = reserved + $3, updated_at = $4
         WHERE store_id = $1 AND sku = $2 AND on_hand - reserved - safety >= $3`,
        [storeId, line.sku, line.qty, now],
      );
      if (res.rowCount === 0) {
        const { rows } = await tx.query<{ available: number }>(
          'SELECT GREATEST(on_hand - reserved - safety, 0) AS available FROM inventory_stock WHERE store_id = $1 AND sku = $2',
          [storeId, line.sku],
        );
        return { ok: false, sku: line.sku, available: Number(rows[0]?.available ?? 0) };
      }
    }
    return { ok: true };
  },

  /** Gives held units back (a release, an expiry, or a pickup whose stock left through a PICKUP movement). */
  async unhold(tx: Queryable, storeId: string, lines: readonly HoldLine[], now: number): Promise<void> {
    for (const line of [...lines].sort((a, b) => a.sku.localeCompare(b.sku))) {
      await tx.query(
        'UPDATE inventory_stock SET reserved = GREATEST(reserved - $3, 0), updated_at = $4 WHERE store_id = $1 AND sku = $2',
        [storeId, line.sku, line.qty, now],
      );
    }
  },
};

export type StockHolds = typeof stockHolds;
