import type { Queryable } from '../../db/db.js';
import { pageByStore, storeKey, type ReplaySource } from '../../kernel/ports/replay.js';

/** The first store id above `after` with a row in `table` (its primary key or index leads with store_id). */
async function nextStore(db: Queryable, table: string, after: string | null): Promise<string | null> {
  const { rows } = await db.query<{ s: string | null }>(
    `SELECT store_id::text AS s FROM ${table} WHERE $1::uuid IS NULL OR store_id > $1::uuid ORDER BY store_id LIMIT 1`,
    [after],
  );
  return rows[0]?.s ?? null;
}

/**
 * On-hand stock per (store, sku) rebuilt from `inventory_movements` alone: on_hand is a PN-counter, the sum of every
 * signed movement the hub counted (sales, returns, receipts, transfers, RFID corrections — each store's `stock.moved`
 * events; a refused one, e.g. an unknown sku, moved neither). Nothing overwrites on_hand (a count is a movement by the
 * difference), so the whole state is derivable. `reserved` is not rebuilt here: it follows the holds, which the
 * reservations module checks. Movement history is never pruned by the hub (monthly partitions an operator may
 * detach): a detached month shows up as differences, which is what it is.
 */
export const stockReplay: ReplaySource = {
  kind: 'stock',
  keyNames: 'storeId/sku',
  absent: { onHand: 0 },
  rebuild: (db, after, limit) =>
    pageByStore(
      after,
      limit,
      (s) => nextStore(db, 'inventory_movements', s),
      async (storeId, sku, n) => {
        const { rows } = await db.query<{ sku: string; on_hand: number }>(
          `SELECT sku, sum(delta)::bigint AS on_hand FROM inventory_movements
           WHERE store_id = $1 AND ($2::text IS NULL OR sku COLLATE "C" > $2::text)
           GROUP BY sku ORDER BY sku COLLATE "C" LIMIT $3`,
          [storeId, sku, n],
        );
        return rows.map((r) => ({ key: storeKey(storeId, r.sku), value: { onHand: Number(r.on_hand) } }));
      },
    ),
  live: (db, after, limit) =>
    pageByStore(
      after,
      limit,
      (s) => nextStore(db, 'inventory_stock', s),
      async (storeId, sku, n) => {
        const { rows } = await db.query<{ sku: string; on_hand: number }>(
          `SELECT sku, on_hand FROM inventory_stock
           WHERE store_id = $1 AND ($2::text IS NULL OR sku COLLATE "C" > $2::text)
           ORDER BY sku COLLATE "C" LIMIT $3`,
          [storeId, sku, n],
        );
        return rows.map((r) => ({ key: storeKey(storeId, r.sku), value: { onHand: Number(r.on_hand) } }));
      },
    ),
};
