import { statSync } from 'node:fs';
import type { Hub } from '@storefleet/central';
import type { StoreNode } from '../../src/index.js';

// What the offline-shift trial and its benchmark measure: the store's disk, and the hub's holding against the store's.

/** What the store's SQLite file takes on disk, and what of it the outbox holds. */
export interface DiskUse {
  readonly fileBytes: number;
  readonly walBytes: number;
  readonly pages: number;
  readonly freePages: number;
  /** Pages of the outbox table (dbstat), in bytes. */
  readonly outboxBytes: number;
  readonly outboxRows: number;
  /** What the outbox's rows hold as data (seq, hlc, type, payload, created_at), without SQLite's pages and b-tree. */
  readonly outboxDataBytes: number;
  /** Pages of the sales records (sales, their lines, returns), which the store keeps. */
  readonly salesBytes: number;
}

export function diskUse(node: StoreNode, dbPath: string): DiskUse {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  const one = (sql: string) => node.db.prepare(sql).pluck().get() as number;
  return {
    fileBytes: size(dbPath),
    walBytes: size(`${dbPath}-wal`),
    pages: one('PRAGMA page_count'),
    freePages: one('PRAGMA freelist_count'),
    outboxBytes: one("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'sync_outbox'"),
    outboxRows: one('SELECT count(*) FROM sync_outbox'),
    outboxDataBytes: one('SELECT coalesce(sum(16 + length(hlc) + length(type) + length(payload)), 0) FROM sync_outbox'),
    salesBytes: one(
      "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ('sales', 'sale_lines', 'sale_returns', 'sale_return_lines') OR name LIKE 'sqlite_autoindex_sale%'",
    ),
  };
}

/** What the hub holds of one store after its upload: the counters, the events and movements, what it parked. */
export interface HubHolding {
  /** on_hand per sku, as the hub counts it for this store. */
  readonly onHand: Record<string, number>;
  readonly events: { readonly count: number; readonly minSeq: number; readonly maxSeq: number };
  readonly ackedSeq: number;
  /** Inventory movements counted from this store's events, and how many distinct event seqs they came from. */
  readonly movements: { readonly count: number; readonly distinctSeqs: number };
  readonly parked: number;
}

export async function hubHolding(hub: Hub, storeId: string): Promise<HubHolding> {
  const q = async <T>(sql: string) => (await hub.db.query<T>(sql, [storeId])).rows;
  const stock = await q<{ sku: string; on_hand: string | number }>(
    'SELECT sku, on_hand FROM inventory_stock WHERE store_id = $1',
  );
  const [events] = await q<{ count: number; min: string | null; max: string | null }>(
    'SELECT count(*)::int AS count, min(seq) AS min, max(seq) AS max FROM sync_events WHERE origin = $1',
  );
  const [acked] = await q<{ acked_seq: string }>('SELECT acked_seq FROM sync_origins WHERE store_id = $1');
  const [moves] = await q<{ count: number; seqs: number }>(
    'SELECT count(*)::int AS count, count(DISTINCT origin_seq)::int AS seqs FROM inventory_movements WHERE store_id = $1',
  );
  const [parked] = await q<{ count: number }>('SELECT count(*)::int AS count FROM sync_parked WHERE origin = $1');
  return {
    onHand: Object.fromEntries(stock.map((r) => [r.sku, Number(r.on_hand)])),
    events: { count: events!.count, minSeq: Number(events!.min ?? 0), maxSeq: Number(events!.max ?? 0) },
    ackedSeq: Number(acked?.acked_seq ?? 0),
    movements: { count: moves!.count, distinctSeqs: moves!.seqs },
    parked: parked!.count,
  };
}

/** on_hand per sku as the store counts it: every sku it ever moved. */
export function storeOnHand(node: StoreNode): Record<string, number> {
  return Object.fromEntries(
    (node.db.prepare('SELECT sku, on_hand FROM stock').all() as { sku: string; on_hand: number }[]).map((r) => [
      r.sku,
      r.on_hand,
    ]),
  );
}
