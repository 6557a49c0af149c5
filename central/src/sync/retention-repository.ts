import type { Db } from '../db/db.js';
import type { RecordMoved } from '../kernel/retention-target.js';

/** Any fixed 64-bit number shared by every hub process: the key of the advisory lock one sweep holds at a time. */
const SWEEP_LOCK_KEY = 727_274_014;

/** PGlite runs in one process: the sweep lock is held here, per database. */
const heldInProcess = new WeakSet<Db>();

export type SweepState = 'running' | 'done' | 'stopped' | 'failed' | 'interrupted';

export interface SweepRecord {
  readonly id: number;
  readonly replica: string;
  readonly trigger: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly state: SweepState;
  /** Rows archived or removed by this sweep, by table. */
  readonly moved: Readonly<Record<string, number>>;
  readonly error: string | null;
}

interface SweepRow {
  id: number;
  replica: string;
  trigger: string;
  started_at: number;
  finished_at: number | null;
  state: SweepState;
  moved: Record<string, number>;
  error: string | null;
}

const toRecord = (r: SweepRow): SweepRecord => ({
  id: Number(r.id),
  replica: r.replica,
  trigger: r.trigger,
  startedAt: Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  state: r.state,
  moved: Object.fromEntries(Object.entries(r.moved).map(([k, v]) => [k, Number(v)])),
  error: r.error,
});

/** The bookkeeping of retention sweeps (which ran, what each moved, totals per table) and the one-sweep-at-a-time lock. */
export class RetentionRepository {
  constructor(readonly db: Db) {}

  /**
   * Takes the cluster's sweep lock if no sweep holds it; resolves to its release, or null when another sweep holds it.
   * On Postgres: a transaction-scoped advisory lock held by a transaction left open (on its own pooled connection)
   * while the sweep's batches run on others; a hub process that dies releases it with its connection. PGlite serves
   * one process, so the lock is held in memory.
   */
  async tryLock(): Promise<(() => Promise<void>) | null> {
    const db = this.db;
    if (db.dialect !== 'postgres') {
      if (heldInProcess.has(db)) return null;
      heldInProcess.add(db);
      return async () => void heldInProcess.delete(db);
    }
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let answer!: (got: boolean) => void;
    let fail!: (err: unknown) => void;
    const got = new Promise<boolean>((resolve, reject) => {
      answer = resolve;
      fail = reject;
    });
    const held = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [
        SWEEP_LOCK_KEY,
      ]);
      answer(rows[0]!.got);
      if (rows[0]!.got) await released;
    });
    held.catch(fail);
    const free = async () => {
      release();
      await held.catch(() => undefined); // a lock whose connection died is released by Postgres all the same
    };
    if (await got) return free;
    await free();
    return null;
  }

  /** Records a new sweep (the lock is held: any sweep still 'running' died with its process). */
  async begin(replica: string, trigger: string, now: number, tables: readonly string[]): Promise<number> {
    await this.db.query(
      `UPDATE sync_retention_sweeps SET state = 'interrupted', finished_at = $1 WHERE state = 'running'`,
      [now],
    );
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO sync_retention_sweeps (replica, trigger, started_at, state, moved) VALUES ($1, $2, $3, 'running', $4) RETURNING id`,
      [replica, trigger, now, JSON.stringify(Object.fromEntries(tables.map((t) => [t, 0])))],
    );
    return Number(rows[0]!.id);
  }

  /** What a batch of `table` calls inside its transaction: the sweep's count and the table's total move with it. */
  recorder(sweepId: number, table: string, now: number): RecordMoved {
    return async (tx, moved) => {
      if (!moved) return;
      await tx.query(
        `UPDATE sync_retention_sweeps SET moved = jsonb_set(moved, ARRAY[$2::text], to_jsonb(coalesce((moved ->> $2)::bigint, 0) + $3)) WHERE id = $1`,
        [sweepId, table, moved],
      );
      await tx.query(
        `INSERT INTO sync_retention_totals (tbl, moved, last_at) VALUES ($1, $2, $3)
         ON CONFLICT (tbl) DO UPDATE SET moved = sync_retention_totals.moved + $2, last_at = $3`,
        [table, moved, now],
      );
    };
  }

  async finish(id: number, state: SweepState, now: number, error?: string): Promise<void> {
    await this.db.query('UPDATE sync_retention_sweeps SET state = $2, finished_at = $3, error = $4 WHERE id = $1', [
      id,
      state,
      now,
      error ?? null,
    ]);
  }

  /** The latest sweep in `state`. */
  async latest(state: SweepState): Promise<SweepRecord | null> {
    const { rows } = await this.db.query<SweepRow>(
      'SELECT * FROM sync_retention_sweeps WHERE state = $1 ORDER BY id DESC LIMIT 1',
      [state],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The latest sweep that ended, however it ended. */
  async latestEnded(): Promise<SweepRecord | null> {
    const { rows } = await this.db.query<SweepRow>(
      `SELECT * FROM sync_retention_sweeps WHERE state <> 'running' ORDER BY id DESC LIMIT 1`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Rows archived or removed per table over all sweeps, and when last. */
  async totals(): Promise<Map<string, { moved: number; lastAt: number }>> {
    const { rows } = await this.db.query<{ tbl: string; moved: number; last_at: number }>(
      'SELECT tbl, moved, last_at FROM sync_retention_totals',
    );
    return new Map(rows.map((r) => [r.tbl, { moved: Number(r.moved), lastAt: Number(r.last_at) }]));
  }
}
