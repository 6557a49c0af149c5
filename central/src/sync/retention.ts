import type { Logger } from 'pino';
import { AppError } from '@storefleet/shared';
import type { Db } from '../db/db.js';
import { RetentionRepository, type SweepRecord, type SweepState } from './retention-repository.js';
import type { RetentionSettings } from './retention-settings.js';
import type { RetentionTarget } from '../kernel/retention-target.js';
import { DUE_CAP } from './retention-sync-targets.js';
import { retentionStatus, type RetentionStatus } from './retention-status.js';

const DAY_MS = 86_400_000;
/** Progress lines at most this often (wall clock), plus one when a table is done. */
const PROGRESS_EVERY_MS = 5_000;

/** How a sweep began: started here, or not because one runs already (here or on another hub process). */
export interface SweepStart {
  readonly state: 'started' | 'already-running';
  readonly sweepId: number | null;
  readonly startedAt: number | null;
}

/** What a caller (a test, the console's progress) may watch and stop. */
export interface SweepOptions {
  readonly signal?: AbortSignal;
  /** After each batch: the table, rows moved from it so far in this sweep, and the rows that were due. */
  readonly onBatch?: (progress: { table: string; moved: number; due: number }) => void;
}

/** The sweep this process runs. */
interface Running {
  readonly id: number;
  readonly startedAt: number;
  readonly abort: AbortController;
  done: Promise<SweepRecord>;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Keeps the hub's sync and order tables in bounds (issue #14): sweeps each RetentionTarget in bounded batches, one
 * sweep per cluster at a time (RetentionRepository.tryLock), on demand from the API and hourly with jitter as the
 * hub's job `sync.retention` (hub.ts, kernel/jobs/). A sweep
 * stopped halfway (the hub stopping, a crash) leaves every finished batch committed and nothing half-moved: the next
 * sweep carries on from what is left.
 */
export class Retention {
  readonly repo: RetentionRepository;
  #stopped = false;
  #current: Running | undefined;

  constructor(
    readonly db: Db,
    readonly targets: readonly RetentionTarget[],
    readonly settings: RetentionSettings,
    readonly now: () => number,
    readonly log: Logger,
    readonly replica: string,
  ) {
    this.repo = new RetentionRepository(db);
  }

  /** Stops a running sweep (after its current batch), and waits for it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const current = this.#current;
    current?.abort.abort();
    await current?.done;
  }

  /** Starts a sweep in the background unless one is running; resolves once it has started (or not). */
  async begin(trigger: string, options: SweepOptions = {}): Promise<SweepStart> {
    return (await this.#begin(trigger, options)).start;
  }

  /** One whole sweep: the record of how it ended, or how it did not start. */
  async run(trigger: string, options: SweepOptions = {}): Promise<SweepRecord | SweepStart> {
    const { start, done } = await this.#begin(trigger, options);
    return done ?? start;
  }

  async #begin(trigger: string, options: SweepOptions): Promise<{ start: SweepStart; done?: Promise<SweepRecord> }> {
    if (this.#stopped)
      throw new AppError(
        'unavailable',
        'this hub is stopping: run the sweep on another hub replica, or once it has restarted',
      );
    const here = this.#runningHere();
    if (here) return { start: here };
    const release = await this.repo.tryLock();
    if (!release) {
      const elsewhere = await this.repo.latest('running');
      return {
        start: { state: 'already-running', sweepId: elsewhere?.id ?? null, startedAt: elsewhere?.startedAt ?? null },
      };
    }
    const raced = this.#runningHere(); // another begin() of this process got there while this one took the lock
    if (raced) {
      await release();
      return { start: raced };
    }
    const startedAt = this.now();
    let id: number;
    try {
      id = await this.repo.begin(
        this.replica,
        trigger,
        startedAt,
        this.targets.map((t) => t.table),
      );
    } catch (err) {
      await release();
      throw err;
    }
    const abort = new AbortController();
    options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    if (options.signal?.aborted || this.#stopped) abort.abort(); // stopped while this one took the lock
    const entry: Running = { id, startedAt, abort, done: Promise.resolve({} as SweepRecord) };
    this.#current = entry; // before the sweep can end, so its end always clears it
    const done = this.#sweep(id, trigger, startedAt, abort.signal, options)
      .finally(() => release())
      .finally(() => {
        if (this.#current === entry) this.#current = undefined;
      });
    entry.done = done;
    this.log.info({ sweepId: id, trigger }, 'retention sweep started');
    return { start: { state: 'started', sweepId: id, startedAt }, done };
  }

  #runningHere(): SweepStart | undefined {
    const c = this.#current;
    return c && { state: 'already-running', sweepId: c.id, startedAt: c.startedAt };
  }

  /** Callers asking at the same moment (every open Fleet page polls it) share one reading of the database. */
  status(): Promise<RetentionStatus> {
    this.#statusReading ??= retentionStatus(
      this,
      this.#current ? { sweepId: this.#current.id, startedAt: this.#current.startedAt } : null,
    ).finally(() => {
      this.#statusReading = undefined;
    });
    return this.#statusReading;
  }

  #statusReading: Promise<RetentionStatus> | undefined;

  async #sweep(
    id: number,
    trigger: string,
    startedAt: number,
    signal: AbortSignal,
    options: SweepOptions,
  ): Promise<SweepRecord> {
    const moved: Record<string, number> = {};
    let state: SweepState = 'done';
    let error: string | undefined;
    try {
      for (const t of this.targets) {
        if (signal.aborted) break;
        moved[t.table] = await this.#sweepTable(t, id, startedAt, signal, options);
      }
      if (signal.aborted) state = 'stopped';
    } catch (err) {
      state = 'failed';
      error = (err as Error).message;
      this.log.error(
        { err, sweepId: id },
        'retention sweep failed; what it finished stays done, the next sweep goes on from there',
      );
    }
    const finishedAt = this.now();
    try {
      await this.repo.finish(id, state, finishedAt, error);
    } catch (err) {
      this.log.error({ err, sweepId: id }, 'could not record the end of a retention sweep');
    }
    this.log.info({ sweepId: id, state, moved }, `retention sweep ${state}`);
    return { id, replica: this.replica, trigger, startedAt, finishedAt, state, moved, error: error ?? null };
  }

  async #sweepTable(
    t: RetentionTarget,
    sweepId: number,
    startedAt: number,
    signal: AbortSignal,
    options: SweepOptions,
  ): Promise<number> {
    const days = this.settings[t.ageSetting];
    const cutoff = startedAt - days * DAY_MS;
    const verb = t.action === 'archive' ? 'archived' : 'removed';
    // Progress only: a count that fails (or times out) must not stop the sweep it describes.
    const due = await t.due(this.db, cutoff).catch((err: unknown) => {
      this.log.warn({ err, table: t.table }, `${t.table}: could not count the rows due; sweeping without a total`);
      return 0;
    });
    let moved = 0;
    let after: string | undefined;
    let logged = Date.now();
    let idle = 0;
    for (;;) {
      if (signal.aborted) break;
      const b = await t.batch(
        this.db,
        cutoff,
        this.settings.batchRows,
        this.now(),
        this.repo.recorder(sweepId, t.table, this.now()),
        after,
      );
      moved += b.moved;
      after = b.after;
      options.onBatch?.({ table: t.table, moved, due });
      if (b.done || Date.now() - logged >= PROGRESS_EVERY_MS) {
        logged = Date.now();
        if (due || moved)
          this.log.info(
            { table: t.table, moved, due, sweepId },
            `${t.table}: ${verb} ${fmt(moved)} of ${due >= DUE_CAP ? 'more than ' : '~'}${fmt(due)} ${t.noun} older than ${days} days`,
          );
      }
      // A target that moves nothing twice running has nothing left whatever it says: never spin on the database.
      idle = b.moved ? 0 : idle + 1;
      if (b.done || idle === 2) break;
    }
    return moved;
  }
}
