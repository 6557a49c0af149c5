import type { Db } from '../db/db.js';
import type { RetentionRepository, SweepRecord } from './retention-repository.js';
import type { RetentionSettings } from './retention-settings.js';
import type { RetentionTarget } from '../kernel/retention-target.js';
import { attachedPartitions, tableSize } from '../kernel/retention-tables.js';

const DAY_MS = 86_400_000;

/** One month of an archive: what it holds and whether the operator may detach it now. */
export interface PartitionStatus {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly rows: number;
  readonly rowsEstimated: boolean;
  readonly bytes: number;
  /** The month ended `detachableAfterDays` ago: DETACH, dump and drop it when the archive is no longer wanted hot. */
  readonly detachable: boolean;
  /** The statement that detaches it. */
  readonly detach: string;
}

export interface TableStatus {
  readonly table: string;
  readonly action: 'archive' | 'remove';
  /** What stays and what goes, in words. */
  readonly rule: string;
  readonly rows: number;
  readonly rowsEstimated: boolean;
  readonly bytes: number;
  readonly oldestAt: number | null;
  /** Rows archived or removed from it by every sweep so far, and when last. */
  readonly movedTotal: number;
  readonly lastMovedAt: number | null;
  readonly archive?: {
    readonly table: string;
    readonly rows: number;
    readonly bytes: number;
    readonly partitions: readonly PartitionStatus[];
  };
  readonly [detail: string]: unknown;
}

export interface RetentionStatus {
  readonly settings: RetentionSettings;
  /** The sweep running now (here or on another hub process), if any. */
  readonly running: { readonly sweepId: number | null; readonly startedAt: number | null } | null;
  /** The latest sweep that ended (its state says how). */
  readonly lastSweep: SweepRecord | null;
  readonly tables: readonly TableStatus[];
}

/** What `GET /api/sync/retention` answers; cheap on a big hub (row counts past 100,000 are Postgres' estimates). */
export async function retentionStatus(
  r: {
    readonly db: Db;
    readonly repo: RetentionRepository;
    readonly targets: readonly RetentionTarget[];
    readonly settings: RetentionSettings;
    readonly now: () => number;
  },
  runningHere: { sweepId: number; startedAt: number } | null,
): Promise<RetentionStatus> {
  const now = r.now();
  const totals = await r.repo.totals();
  const tables: TableStatus[] = [];
  for (const t of r.targets) {
    const size = await tableSize(r.db, t.table);
    const total = totals.get(t.table);
    tables.push({
      table: t.table,
      action: t.action,
      rule: t.rule(r.settings),
      rows: size.rows,
      rowsEstimated: size.estimated,
      bytes: size.bytes,
      oldestAt: await t.oldest(r.db),
      movedTotal: total?.moved ?? 0,
      lastMovedAt: total?.lastAt ?? null,
      ...(t.archive
        ? { archive: await archiveStatus(r.db, t.archive, now - r.settings.detachableAfterDays * DAY_MS) }
        : {}),
      ...(await t.details?.(r.db, now - r.settings[t.ageSetting] * DAY_MS)),
    });
  }
  return {
    settings: r.settings,
    running: runningHere ?? (await runningElsewhere(r.repo)),
    lastSweep: await r.repo.latestEnded(),
    tables,
  };
}

/** A sweep another hub process runs: its row says 'running' and the sweep lock is held (else that process died). */
async function runningElsewhere(repo: RetentionRepository): Promise<RetentionStatus['running']> {
  const row = await repo.latest('running');
  if (!row) return null;
  const release = await repo.tryLock();
  if (!release) return { sweepId: row.id, startedAt: row.startedAt };
  await release();
  return null;
}

async function archiveStatus(
  db: Db,
  parent: string,
  detachableBefore: number,
): Promise<NonNullable<TableStatus['archive']>> {
  const partitions: PartitionStatus[] = [];
  for (const p of await attachedPartitions(db, parent)) {
    const size = await tableSize(db, p.name);
    partitions.push({
      name: p.name,
      from: p.from,
      to: p.to,
      rows: size.rows,
      rowsEstimated: size.estimated,
      bytes: size.bytes,
      detachable: p.to <= detachableBefore,
      detach: `ALTER TABLE ${parent} DETACH PARTITION ${p.name};`,
    });
  }
  return {
    table: parent,
    rows: partitions.reduce((n, p) => n + p.rows, 0),
    bytes: partitions.reduce((n, p) => n + p.bytes, 0),
    partitions,
  };
}
