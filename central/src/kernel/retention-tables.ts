import type { Db, Queryable } from '../db/db.js';

/**
 * What retention needs to know of tables from Postgres' catalog, and the monthly partitions of archive tables: every
 * archive (`sync_events_archive`, `order_events_archive`) is PARTITION BY RANGE over an epoch-ms column, one
 * partition per UTC month, created when a sweep first moves a row of that month. An operator DETACHes an old month,
 * dumps it and drops it; the hub goes on without it.
 */

/** A UTC month as a partition's bounds: [first ms of the month, first ms of the next) and its label `y2026m01`. */
export interface Month {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

export function monthOf(atMs: number): Month {
  const d = new Date(atMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { from: Date.UTC(y, m, 1), to: Date.UTC(y, m + 1, 1), label: `y${y}m${String(m + 1).padStart(2, '0')}` };
}

/** One attached partition of an archive. */
export interface AttachedPartition {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** How many rows a table holds: counted when small, Postgres' estimate (kept by ANALYZE) past 100,000 rows. */
export interface RowCount {
  readonly rows: number;
  readonly estimated: boolean;
}

const ESTIMATE_FROM = 100_000;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain table name: ${name}`);
  return name;
}

/** The partitions attached to `parent`, oldest month first. */
export async function attachedPartitions(q: Queryable, parent: string): Promise<AttachedPartition[]> {
  const { rows } = await q.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
    [identifier(parent)],
  );
  return rows
    .map((r) => {
      const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(r.bound);
      return { name: r.name, from: m ? Number(m[1]) : Number.NaN, to: m ? Number(m[2]) : Number.NaN };
    })
    .sort((a, b) => a.from - b.from);
}

/**
 * Makes sure every month from `fromMs` to `toMs` (inclusive) has an attached partition of `parent`, each created in a
 * transaction of its own (a sweep's batches then never hold the DDL's lock on the archive). A month whose usual name
 * is still taken by a detached table (dumped but not dropped yet) gets `_2`, `_3`…. Returns the names it created.
 */
export async function ensureMonthPartitions(db: Db, parent: string, fromMs: number, toMs: number): Promise<string[]> {
  const made: string[] = [];
  let attached = await attachedPartitions(db, parent);
  for (let month = monthOf(fromMs); month.from <= toMs; month = monthOf(month.to)) {
    const m = month;
    if (attached.some((p) => p.from <= m.from && p.to >= m.to)) continue;
    const name = await freeName(db, `${identifier(parent)}_${m.label}`);
    try {
      await db.transaction((tx) =>
        tx.exec(`CREATE TABLE ${name} PARTITION OF ${parent} FOR VALUES FROM (${m.from}) TO (${m.to})`),
      );
      made.push(name);
    } catch (err) {
      // Another hub process created it at the same moment: fine. Anything else is for the sweep to report.
      attached = await attachedPartitions(db, parent);
      if (!attached.some((p) => p.from <= m.from && p.to >= m.to)) throw err;
    }
  }
  return made;
}

async function freeName(q: Queryable, base: string): Promise<string> {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}_${i}`;
    const { rows } = await q.query<{ taken: boolean }>('SELECT to_regclass($1) IS NOT NULL AS taken', [name]);
    if (!rows[0]!.taken) return name;
  }
}

/** Rows of `table` (see RowCount) and its size on disk with indexes and TOAST, in bytes. */
export async function tableSize(q: Queryable, table: string): Promise<RowCount & { bytes: number }> {
  const name = identifier(table);
  const { rows } = await q.query<{ estimate: number; bytes: number }>(
    'SELECT greatest(c.reltuples, 0)::bigint AS estimate, pg_total_relation_size(c.oid) AS bytes FROM pg_class c WHERE c.oid = $1::regclass',
    [name],
  );
  const { estimate, bytes } = rows[0]!;
  if (Number(estimate) >= ESTIMATE_FROM) return { rows: Number(estimate), estimated: true, bytes: Number(bytes) };
  const counted = await q.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${name}`);
  return { rows: Number(counted.rows[0]!.n), estimated: false, bytes: Number(bytes) };
}

/** How one batch moves rows into an archive: the time span of the rows it will move, then the move itself. */
export interface ArchiveMove {
  /** The archive's partitioned parent table. */
  readonly archive: string;
  /** The earliest and latest partition-key values (epoch ms) of the rows the next move takes; null when none is due. */
  span(q: Queryable): Promise<{ lo: number; hi: number } | null>;
  /** Moves those rows (one DELETE … RETURNING into INSERT) in `tx`; returns how many. */
  move(tx: Queryable): Promise<number>;
}

/**
 * One archive batch: the months its rows fall in get their partitions first (each in its own short transaction),
 * then the rows move and `record` runs, in one transaction. Returns the rows moved (0: nothing was due).
 */
export async function archiveBatch(
  db: Db,
  m: ArchiveMove,
  record: (tx: Queryable, moved: number) => Promise<void>,
): Promise<number> {
  const span = await m.span(db);
  if (!span) return 0;
  await ensureMonthPartitions(db, m.archive, span.lo, span.hi);
  return db.transaction(async (tx) => {
    const moved = await m.move(tx);
    await record(tx, moved);
    return moved;
  });
}
