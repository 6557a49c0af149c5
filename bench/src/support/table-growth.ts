import type { Hub } from '@storefleet/central';

/**
 * What a hub's tables hold, table by table, and what a stretch of days added to them. Sizes are pg_total_relation_size
 * (heap, indexes, TOAST; a partition counts as its own table); bytes per row are a table's size over its rows at the
 * end, so the growth of a table is the rows it gained times that, which does not jump by whole pages on a small run.
 */
export type TableGroup = 'sync' | 'orders' | 'sales' | 'movements' | 'archive' | 'other';
export const TABLE_GROUPS: readonly TableGroup[] = ['sync', 'orders', 'sales', 'movements', 'archive', 'other'];

/** Which part of the hub a table belongs to; `archive` is what retention moved aside into detachable partitions. */
export function groupOf(table: string): TableGroup {
  if (table.includes('_archive')) return 'archive';
  if (table.startsWith('inventory_movements')) return 'movements';
  if (table.startsWith('sync_')) return 'sync';
  if (table === 'sales' || table.startsWith('sale_') || table.startsWith('sales_')) return 'sales';
  if (
    table.startsWith('order') ||
    table === 'reservations' ||
    table.startsWith('customer_') ||
    table === 'workflow_incidents'
  )
    return 'orders';
  return 'other';
}

export interface TableSize {
  readonly rows: number;
  readonly bytes: number;
}
export type Snapshot = ReadonlyMap<string, TableSize>;

/** Every table of the hub's schema with its exact row count and size on disk. */
export async function snapshot(hub: Hub): Promise<Snapshot> {
  const tables = (
    await hub.db.query<{ name: string; bytes: string | number }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1`,
    )
  ).rows;
  const out = new Map<string, TableSize>();
  for (const t of tables) {
    const [count] = (
      await hub.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM "${t.name.replaceAll('"', '""')}"`)
    ).rows;
    out.set(t.name, { rows: Number(count!.n), bytes: Number(t.bytes) });
  }
  return out;
}

/** Bytes on disk of a snapshot's tables in `groups`. */
export function bytesOf(s: Snapshot, groups: readonly TableGroup[]): number {
  let n = 0;
  for (const [name, t] of s) if (groups.includes(groupOf(name))) n += t.bytes;
  return n;
}

/** Per table, the bytes it gained from `from` to `to` (rows gained × its bytes per row at `to`); negative if it shrank. */
export function growth(from: Snapshot, to: Snapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, t] of to) {
    const gained = t.rows - (from.get(name)?.rows ?? 0);
    if (gained !== 0 && t.rows > 0) out.set(name, (gained * t.bytes) / t.rows);
  }
  return out;
}

/** The sum of `grown` over the tables in `groups`. */
export function sumGroups(grown: ReadonlyMap<string, number>, groups: readonly TableGroup[]): number {
  let n = 0;
  for (const [name, b] of grown) if (groups.includes(groupOf(name))) n += b;
  return n;
}
