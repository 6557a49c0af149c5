import { createHash } from 'node:crypto';
import type { StoreNode } from '../store-node.js';

/** Units a store shelves of one product, by category: a few kettles, dozens of bottles of water. */
const SHELF_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  Beverages: [24, 72],
  Produce: [20, 60],
  Dairy: [12, 36],
  Snacks: [18, 48],
  Pantry: [12, 40],
  Bakery: [8, 24],
  'Meat & Deli': [6, 20],
  Frozen: [8, 24],
  Household: [6, 24],
  'Health & Beauty': [6, 18],
  Baby: [4, 12],
  Pet: [4, 12],
  Stationery: [6, 20],
  Books: [2, 6],
  'Home & Kitchen': [2, 6],
};
const OTHER: readonly [number, number] = [4, 16];

/** The opening quantity of `sku` at the store named `store`: the same every run, different per store. */
export function openingQuantity(store: string, sku: string, category: string): number {
  const [lo, hi] = SHELF_RANGE[category] ?? OTHER;
  const h = createHash('sha256').update(`${store}\u0000${sku}`).digest().readUInt32BE(0);
  return lo + (h % (hi - lo + 1));
}

/**
 * For `npm start`: the store's opening delivery, once its catalog is in — every product it has never held stock of
 * is received (RECEIVE, ref `demo-opening-delivery`) in plausible quantities for its category, in one write, and
 * reaches the hub through the outbox like any delivery. A product that sold out later stays sold out (it has a stock
 * row by then), and a restart receives nothing twice. Returns how many products were received.
 */
export function receiveOpeningStock(node: StoreNode, store: string, now = Date.now()): number {
  const missing = node.db
    .prepare(
      `SELECT c.sku, c.category FROM catalog_products c LEFT JOIN stock s ON s.sku = c.sku
       WHERE s.sku IS NULL ORDER BY c.sku`,
    )
    .all() as { sku: string; category: string }[];
  if (!missing.length) return 0;
  node.sync.write((emit) =>
    node.pos.stock.moveAll(
      emit,
      missing.map((p) => ({ sku: p.sku, delta: openingQuantity(store, p.sku, p.category) })),
      'RECEIVE',
      now,
      'demo-opening-delivery',
    ),
  );
  return missing.length;
}
