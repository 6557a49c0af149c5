import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

/**
 * Replay (issue #27): a module's state rebuilt from its own event log, beside the state it keeps live, so a check can
 * compare the two. Each module provides one `ReplaySource` over its own tables; the workflows layer's replay check
 * (central/src/workflows/replay/) walks all of them.
 *
 * Both sides come as pages sorted by `key`, in the byte order of the keys' UTF-8 (Postgres' "C" collation), so the
 * check merges them as two sorted streams and holds one page of each at a time, whatever the fleet's size.
 */

/** One comparable row: a key and the values compared (JSON-comparable: numbers, strings, null). */
export interface ReplayRow {
  readonly key: string;
  readonly value: Readonly<Record<string, string | number | null>>;
}

/** A live row, and whether its key's log may be gone (retention pruned or archived it out of reach). */
export interface LiveRow extends ReplayRow {
  /**
   * True when the log this key would be rebuilt from may have been pruned (its last change is older than the oldest
   * entry retention kept, or its archive was detached): a missing rebuild is then "not in the log", not a difference.
   */
  readonly logPruned?: boolean;
}

export interface ReplaySource {
  /** What it checks: `stock`, `reservations`, `orders`. */
  readonly kind: string;
  /** What a key is made of, for people (`storeId/sku`). */
  readonly keyNames: string;
  /**
   * What a key missing on one side stands for (stock: a row never moved is on hand 0), or null when a missing key is
   * itself a difference.
   */
  readonly absent: ReplayRow['value'] | null;
  /** Rows rebuilt ONLY from the log, keys after `after` (null: from the first), at most `limit`, sorted by key. */
  rebuild(db: Queryable, after: string | null, limit: number): Promise<ReplayRow[]>;
  /** The live state's rows, keys after `after`, at most `limit`, sorted by key. */
  live(db: Queryable, after: string | null, limit: number): Promise<LiveRow[]>;
}

export const STOCK_REPLAY = definePort<ReplaySource>(
  'inventory.replay',
  'on-hand stock per store and sku rebuilt from the movement history, for the replay check',
);
export const ORDERS_REPLAY = definePort<ReplaySource>(
  'orders.replay',
  "orders' status rebuilt from their timelines, for the replay check",
);

/** Byte order of two keys' UTF-8, as Postgres' "C" collation sorts them (JS `<` compares UTF-16 code units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const STORE_ID_CHARS = 36;

/**
 * A page of rows keyed `storeId/rest`, read one store at a time: `nextStore(after)` is the first store id above
 * `after` (null: the first of all) that has rows, `inStore(storeId, afterRest, limit)` a store's rows above `afterRest`
 * sorted by `rest` in "C" order. Reading store by store keeps every statement on one store's rows (its index prefix),
 * never a sort of the whole fleet's table per page.
 */
export async function pageByStore(
  after: string | null,
  limit: number,
  nextStore: (after: string | null) => Promise<string | null>,
  inStore: (storeId: string, afterRest: string | null, limit: number) => Promise<ReplayRow[]>,
): Promise<ReplayRow[]> {
  const out: ReplayRow[] = [];
  let store = after ? after.slice(0, STORE_ID_CHARS) : await nextStore(null);
  let rest = after ? after.slice(STORE_ID_CHARS + 1) : null;
  while (store && out.length < limit) {
    const want = limit - out.length;
    const rows = await inStore(store, rest, want);
    out.push(...rows);
    if (rows.length < want) {
      store = await nextStore(store);
      rest = null;
    }
  }
  return out;
}

/** The key of a store-scoped row: `storeId/rest` (a store id is 36 characters, so keys sort as (store, rest)). */
export const storeKey = (storeId: string, rest: string): string => `${storeId}/${rest}`;
