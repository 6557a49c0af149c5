/**
 * What a module sees of the hub's job runner (job-runner.ts): it defines jobs, puts some on a recurring schedule and
 * enqueues one-offs, through `ctx.jobs` (module-contract.ts). Names start with the module's name and a dot
 * (`reservations.expire-holds`); the runner refuses any other.
 */

export type JobState = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';

/** What a running job is handed. Every write it makes is fenced by its lease: see `LeaseLostError`. */
export interface JobHandle<P = unknown> {
  readonly id: string;
  readonly name: string;
  readonly payload: P;
  /** 1 on the first try; a retry or a run taken over after a crash counts on. */
  readonly attempt: number;
  /** What the job last saved with `checkpoint()` (this run or one a dead process left), or null. */
  readonly checkpoint: unknown;
  /**
   * Aborted when the job should yield: the hub is stopping, or the lease was lost (another process owns the run now).
   * A job that returns or throws after a stop was asked is put back in the queue with its checkpoint, not failed.
   */
  readonly signal: AbortSignal;
  /**
   * Records done/total and a human sentence (its first 500 characters) for the admin API; one write per call: call it
   * per batch, not per row.
   */
  progress(done: number, total: number | null, message?: string): Promise<void>;
  /**
   * Stores where a resumed run carries on from (JSON, at most 64 kB). Throws `LeaseLostError` when the run is no longer
   * this one's, and an error saving nothing when the value is too big.
   */
  saveCheckpoint(value: unknown): Promise<void>;
}

/** A kind of job: its body and how it is retried. */
export interface JobDefinition<P = unknown> {
  /** `<module>.<job>`. */
  readonly name: string;
  /** Resolves when done; a throw is retried after a backoff until `maxAttempts`, then the run is FAILED with its message. */
  run(job: JobHandle<P>): Promise<void>;
  /** Tries in all, default 5 for a one-off; a scheduled run defaults to 1 (its next period is its retry). */
  readonly maxAttempts?: number;
  /** The first retry's delay, doubling at each (capped at an hour); default 5 s. */
  readonly backoffMs?: number;
  /**
   * How long a run is held without a renewal; the runner renews at a third of it while the job runs. Default 60 s for
   * a one-off, three periods (from 3 s up to 60 s) for a scheduled run: a dead hub holds a schedule up that long.
   */
  readonly leaseMs?: number;
  /**
   * How long a run may take. Past it the job's signal is aborted, its lease no longer renewed and the attempt counts
   * as failed ('did not finish within …'), so a hung job does not hold its schedule up for good. Default ten periods
   * (at least five leases) for a scheduled run, an hour for a one-off; `Infinity` for none.
   */
  readonly timeoutMs?: number;
}

export interface ScheduleOptions {
  /** The period, in ms. */
  readonly everyMs: number;
  /** Each period is `everyMs` ± this fraction (0.2 → ±20 %), so hubs started together do not sweep together. */
  readonly jitter?: number;
  /** The first run this long after the schedule is made (default: one period). */
  readonly firstAfterMs?: number;
}

export interface EnqueueOptions {
  /** A second enqueue with the same key (for this job) returns the first run instead of making another. */
  readonly idempotencyKey?: string;
  /** Not before this time (epoch ms, the hub's clock). */
  readonly runAt?: number;
}

/** A run as the admin API shows it. */
export interface JobRun {
  readonly id: string;
  readonly name: string;
  readonly schedule: string | null;
  readonly idempotencyKey: string | null;
  readonly state: JobState;
  readonly runAt: number;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  readonly progress: { readonly done: number; readonly total: number | null; readonly message: string | null } | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export interface JobScheduleView {
  readonly name: string;
  readonly everyMs: number;
  readonly jitter: number;
  readonly nextRunAt: number;
}

/**
 * A module's handle on the runner (`ctx.jobs`). Define before scheduling or enqueueing; definitions live as long as
 * this hub process, schedules and runs in the database.
 */
export interface Jobs {
  define<P>(definition: JobDefinition<P>): void;
  /** Makes (or retunes) the recurring schedule of a defined job; one run per period across the cluster. */
  schedule(name: string, options: ScheduleOptions): Promise<void>;
  /** Adds a one-off run; with an idempotency key, a repeat returns the first run's id. */
  enqueue(name: string, payload?: unknown, options?: EnqueueOptions): Promise<{ id: string; created: boolean }>;
  get(id: string): Promise<JobRun | null>;
}

/** Thrown by a job's writes once its lease has gone to another process (the run is no longer this one's). */
export class LeaseLostError extends Error {
  constructor(
    readonly runId: string,
    readonly epoch: number,
  ) {
    super(`job run ${runId}: lease epoch ${epoch} is no longer current (another process took the run over)`);
    this.name = 'LeaseLostError';
  }
}
