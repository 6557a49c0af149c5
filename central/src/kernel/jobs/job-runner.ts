import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import { CLOCK_SKEW_MS, JobRepository, withoutNul, type ClaimedRun } from './job-repository.js';
import {
  LeaseLostError,
  type EnqueueOptions,
  type JobDefinition,
  type JobHandle,
  type JobRun,
  type Jobs,
  type ScheduleOptions,
} from './types.js';

export interface JobRunnerOptions {
  readonly db: Db;
  /** The hub's clock (epoch ms): due times, leases and backoffs are all read on it, so tests move it. */
  readonly now: () => number;
  readonly log: Logger;
  /** This process, as lease owner (the hub's replica name). */
  readonly owner: string;
  /** The longest wait between looks at the queue (a schedule due sooner wakes the runner sooner). Default 1 s. */
  readonly pollMs?: number;
  /** Runs this process works on at once. Default 8. */
  readonly concurrency?: number;
  /** Jitter's dice; tests pin it. */
  readonly random?: () => number;
}

const DEFAULT_LEASE_MS = 60_000;
/**
 * A scheduled run's lease when its job names none: three periods, at least 3 s, at most the default. A hub that dies
 * inside a 1 s sweep holds that schedule up for about 3 s, not a minute; the lease is renewed every period meanwhile.
 */
const scheduledLeaseMs = (everyMs: number) => Math.min(DEFAULT_LEASE_MS, Math.max(3_000, 3 * everyMs));
const DEFAULT_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 3_600_000;
const ONE_OFF_ATTEMPTS = 5;
const SCHEDULED_ATTEMPTS = 1;
const MAX_ERROR_CHARS = 2_000;
/** A one-off's time limit when its job names none. */
const ONE_OFF_TIMEOUT_MS = 3_600_000;
/**
 * A scheduled run's time limit when its job names none: ten periods, and at least five leases. A sweep that hangs
 * (a fetch with no timeout) would otherwise hold its schedule up on every hub for good, its lease renewed meanwhile.
 */
const scheduledTimeoutMs = (everyMs: number, leaseMs: number) => Math.max(10 * everyMs, 5 * leaseMs);
/** Slots a process keeps for its schedules: one-offs (long exports) use the others, so sweeps are not starved. */
const SLOTS_KEPT_FOR_SCHEDULES = 2;
/** Said instead when an error's message cannot be read (a throwing toString, a null-prototype object). */
const UNDESCRIBABLE = 'the job failed with a value that could not be turned into a message';

/** A thrown value as a message the database takes: never throws, no U+0000, at most MAX_ERROR_CHARS. */
export function describeError(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : typeof error === 'string' ? error : String(error);
  } catch {
    text = UNDESCRIBABLE;
  }
  return withoutNul(text).slice(0, MAX_ERROR_CHARS);
}

/** Why a running job's signal was aborted when it ran past its time limit. */
export class JobTimeoutError extends Error {
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
  ) {
    super(`did not finish within ${timeoutMs} ms (its time limit; the job was asked to stop)`);
    this.name = 'JobTimeoutError';
  }
}

interface Running {
  readonly run: ClaimedRun;
  readonly abort: AbortController;
  done: Promise<void>;
  renewer: NodeJS.Timeout | undefined;
  /** The run's time limit (ms), and its timer while the job runs. */
  readonly timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** Why a running job's signal was aborted. */
const STOPPING = 'the hub is stopping';

/**
 * The hub's one job runner (issue #15): the sweepers modules and the hub used to run on their own `setInterval`s on
 * every process, and one-off long jobs modules enqueue. State lives in `job_schedules` / `job_runs`
 * (core/schema/002_jobs.sql) and works the same on Postgres and PGlite through `Db`.
 *
 *   schedule   each period runs once per cluster: the process that moves the schedule's next_run_at past now with
 *              a conditional UPDATE inserts the period's run, already held by it; a period waits while the last
 *              run is still queued or running (a slow sweep is never run twice at once), unless its lease expired:
 *              then that run is ended FAILED and the period runs (a hub that died mid-sweep holds a 1 s sweep up
 *              for its 3 s lease; a scheduled run's lease is three periods unless its job names one)
 *   clock      a next run or lease further ahead than a period or lease can put it was written by a clock that has
 *              since stepped back (or a peer's running ahead by more than CLOCK_SKEW_MS): the schedule is due, the
 *              lease expired
 *   lease      a held run has an owner, an expiry and an epoch; the owner renews it at a third of its length while
 *              the job runs; every write of a run (progress, checkpoint, outcome) is conditional on the epoch, so a
 *              process whose lease expired cannot record over the process that took the run over
 *   crash      a run whose lease expired is claimed by any runner (`FOR UPDATE SKIP LOCKED`) and started again with
 *              its checkpoint; that counts as an attempt, so a job that kills its process every time ends FAILED
 *   retries    a throw queues the run again after backoff (doubling from `backoffMs`), until `maxAttempts`: then
 *              FAILED with the error's message (stringified so it cannot throw; a write that fails anyway is retried
 *              with a plain message, so no run stays RUNNING for want of a message)
 *   timeout    a run past its `timeoutMs` has its signal aborted and its lease no longer renewed, and counts as a
 *              failed attempt ('did not finish within …'); the slot is freed even if the job ignores the signal
 *   slots      `concurrency` runs at once; a process with schedules keeps two slots from one-offs for them
 *   one open   a schedule has at most one QUEUED or RUNNING run: a unique index (core/schema/003) refuses a second,
 *              which claimPeriod takes as "another process has this period"
 *   stop       stop() asks running jobs to yield (their signal), waits for them, puts yielded runs back in the
 *              queue for another process, and leaves no timer behind
 *
 * Not everything periodic is a cluster job: work each process does for itself stays on its own timers — the sync
 * heartbeat and feed checks (sync-server), lag history samples, the console's live poll, the order saga's lease
 * renewal, the retention sweep's progress lines.
 */
export class JobRunner {
  readonly repo: JobRepository;
  readonly #o: Required<Omit<JobRunnerOptions, 'db'>>;
  readonly #defs = new Map<string, JobDefinition<unknown>>();
  readonly #scheduled = new Set<string>();
  readonly #running = new Map<string, Running>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<unknown> | undefined;
  #again = false;
  #started = false;
  #stopping = false;

  constructor(options: JobRunnerOptions) {
    this.repo = new JobRepository(options.db);
    this.#o = { pollMs: 1_000, concurrency: 8, random: Math.random, ...options };
  }

  /** What a module is handed as `ctx.jobs`: the same runner, for names under `<prefix>.` only. */
  forOwner(prefix: string): Jobs {
    const mine = (name: string) => {
      if (!name.startsWith(`${prefix}.`) || name.length <= prefix.length + 1)
        throw new Error(`job ${name}: ${prefix}'s jobs are named '${prefix}.<job>'`);
      return name;
    };
    return {
      define: (d) => this.define({ ...d, name: mine(d.name) }),
      schedule: (name, o) => this.schedule(mine(name), o),
      enqueue: (name, payload, o) => this.enqueue(mine(name), payload, o),
      get: (id) => this.get(id),
    };
  }

  define<P>(d: JobDefinition<P>): void {
    if (this.#defs.has(d.name)) throw new Error(`job ${d.name} is defined twice`);
    this.#defs.set(d.name, d as JobDefinition<unknown>);
  }

  async schedule(name: string, o: ScheduleOptions): Promise<void> {
    this.#def(name);
    if (!Number.isSafeInteger(o.everyMs) || o.everyMs < 1) throw new Error(`job ${name}: everyMs must be ≥ 1 ms`);
    const jitter = o.jitter ?? 0;
    if (!(jitter >= 0 && jitter < 1)) throw new Error(`job ${name}: jitter must be from 0 to below 1`);
    const now = this.#o.now();
    await this.repo.upsertSchedule(
      name,
      o.everyMs,
      jitter,
      now + (o.firstAfterMs ?? this.#period(o.everyMs, jitter)),
      now,
    );
    this.#scheduled.add(name);
    this.#wake();
  }

  /**
   * Drops a schedule a setting has turned off (RETENTION_EVERY_MINUTES=0), so no hub runs it and GET /api/jobs no
   * longer shows it with a next run. The cluster shares one row: a hub still running with it on stops running it
   * too, until it restarts and makes it again.
   */
  async unschedule(name: string): Promise<void> {
    this.#scheduled.delete(name);
    if (await this.repo.deleteSchedule(name)) this.#o.log.info({ job: name }, 'job schedule turned off and dropped');
  }

  async enqueue(name: string, payload?: unknown, o: EnqueueOptions = {}): Promise<{ id: string; created: boolean }> {
    const d = this.#def(name);
    const now = this.#o.now();
    const made = await this.repo.enqueue(
      name,
      payload ?? null,
      o.idempotencyKey ?? null,
      o.runAt ?? now,
      d.maxAttempts ?? ONE_OFF_ATTEMPTS,
      d.leaseMs ?? DEFAULT_LEASE_MS,
      now,
    );
    if (made.created) this.#wake();
    return made;
  }

  get(id: string): Promise<JobRun | null> {
    return this.repo.get(id);
  }

  /** Starts looking for work (at once, then at least every `pollMs`). */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    this.#arm(0);
  }

  /**
   * Stops looking for work, asks each running job to yield (its `signal`), and waits up to `graceMs` for them; a job
   * still running then is left to its lease, which is no longer renewed, so another process takes the run over once
   * it expires and this one's late writes are refused. Returns with no timer of the runner left. Safe to call twice.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking?.catch(() => undefined);
    for (const r of this.#running.values()) r.abort.abort(STOPPING);
    const all = Promise.all([...this.#running.values()].map((r) => r.done));
    let grace: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => {
        grace = setTimeout(() => resolve(true), options.graceMs ?? 30_000);
      }),
    ]);
    clearTimeout(grace);
    if (timedOut) {
      for (const r of this.#running.values()) {
        clearInterval(r.renewer);
        r.renewer = undefined;
        this.#o.log.warn(
          { jobRunId: r.run.id, job: r.run.name },
          'job did not yield to the stop; its lease will expire and another hub process will take it over',
        );
      }
    }
  }

  /** One look at the queue now; resolves when the runs it started have ended (tests, and a console's "run now"). */
  async runDue(): Promise<number> {
    const launched = await this.#tick();
    await Promise.all(launched.runs);
    return launched.runs.length;
  }

  /** The runs this process is working on (ids). */
  get running(): readonly string[] {
    return [...this.#running.keys()];
  }

  #def(name: string): JobDefinition<unknown> {
    const d = this.#defs.get(name);
    if (!d) throw new Error(`job ${name} is not defined`);
    return d;
  }

  #period(everyMs: number, jitter: number): number {
    return Math.max(1, Math.round(everyMs * (1 + jitter * (2 * this.#o.random() - 1))));
  }

  #arm(delayMs: number): void {
    if (this.#stopping || !this.#started) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#loop(), delayMs);
    this.#timer.unref();
  }

  #wake(): void {
    if (this.#ticking) this.#again = true;
    else this.#arm(0);
  }

  async #loop(): Promise<void> {
    this.#timer = undefined;
    let wakeMs = this.#o.pollMs;
    const tick = this.#tick();
    this.#ticking = tick;
    try {
      wakeMs = (await tick).wakeMs;
    } catch (err) {
      this.#o.log.error({ err }, 'the job runner could not read the queue; it looks again shortly');
    } finally {
      this.#ticking = undefined;
    }
    const again = this.#again;
    this.#again = false;
    this.#arm(again ? 0 : wakeMs);
  }

  async #tick(): Promise<{ runs: Promise<void>[]; wakeMs: number }> {
    const runs: Promise<void>[] = [];
    const { now, owner, pollMs, concurrency } = this.#o;
    const t = now();
    let wakeMs = pollMs;
    const free = () => concurrency - this.#running.size;
    if (this.#scheduled.size) {
      for (const s of await this.repo.schedules([...this.#scheduled])) {
        // Further ahead than a period can put it: written by a clock that has since stepped back, so due now.
        const stepped = s.nextRunAt > t + s.everyMs * (1 + s.jitter) + CLOCK_SKEW_MS;
        if (s.nextRunAt > t && !stepped) {
          wakeMs = Math.min(wakeMs, s.nextRunAt - t);
          continue;
        }
        if (free() < 1 || this.#stopping) continue;
        // This process's own run of it, however late its lease, is alive: the period waits for it.
        if ([...this.#running.values()].some((r) => r.run.name === s.name)) continue;
        const d = this.#def(s.name);
        const leaseMs = d.leaseMs ?? scheduledLeaseMs(s.everyMs);
        const run = await this.repo.claimPeriod(
          s.name,
          t,
          t + this.#period(s.everyMs, s.jitter),
          owner,
          d.maxAttempts ?? SCHEDULED_ATTEMPTS,
          leaseMs,
        );
        if (run) runs.push(this.#launch(run, d.timeoutMs ?? scheduledTimeoutMs(s.everyMs, leaseMs)));
      }
    }
    // One-offs leave slots to this process's schedules (at least one slot stays theirs).
    const kept = this.#scheduled.size ? Math.min(SLOTS_KEPT_FOR_SCHEDULES, concurrency - 1) : 0;
    const oneOffs = () => free() - kept;
    if (!this.#stopping && oneOffs() > 0) {
      for (const run of await this.repo.claimDue([...this.#defs.keys()], this.running, owner, t, oneOffs())) {
        if (run.attempts > run.maxAttempts) {
          // Taken over after its process stopped holding it, with no attempt left: say how many it had, not a guess.
          const error =
            run.maxAttempts === 1
              ? 'the process running it died or hung before it finished (its one attempt)'
              : `the process running it died or hung before it finished, on the last of its ${run.maxAttempts} attempts`;
          await this.repo.failed(run.id, run.epoch, t, error, null);
          this.#o.log.error({ jobRunId: run.id, job: run.name }, `job failed: ${error}`);
          continue;
        }
        const d = this.#def(run.name);
        runs.push(this.#launch(run, d.timeoutMs ?? ONE_OFF_TIMEOUT_MS));
      }
    }
    return { runs, wakeMs: Math.max(10, wakeMs) };
  }

  #launch(run: ClaimedRun, timeoutMs: number): Promise<void> {
    const { repo } = this;
    const { now, log } = this.#o;
    const d = this.#def(run.name);
    const abort = new AbortController();
    const lost = () => {
      if (!abort.signal.aborted) abort.abort(new LeaseLostError(run.id, run.epoch));
      return new LeaseLostError(run.id, run.epoch);
    };
    const handle: JobHandle<unknown> = {
      id: run.id,
      name: run.name,
      payload: run.payload,
      attempt: run.attempts,
      checkpoint: run.checkpoint ?? null,
      signal: abort.signal,
      async progress(done, total, message) {
        if (!(await repo.progress(run.id, run.epoch, done, total, message ?? null))) throw lost();
      },
      async saveCheckpoint(value) {
        if (!(await repo.checkpoint(run.id, run.epoch, value))) throw lost();
      },
    };
    const entry: Running = { run, abort, done: Promise.resolve(), renewer: undefined, timeoutMs, timer: undefined };
    entry.renewer = setInterval(
      () => {
        repo.renew(run.id, run.epoch, now()).then(
          (held) => {
            if (!held) lost();
          },
          (err: unknown) => log.warn({ err, jobRunId: run.id }, 'could not renew a job lease; trying again'),
        );
      },
      Math.max(10, Math.floor(run.leaseMs / 3)),
    );
    entry.renewer.unref();
    const body = async () => {
      let error: unknown;
      let ok = true;
      try {
        const running = Promise.resolve(d.run(handle));
        // A job that hangs past its limit is left to itself (its signal aborted, its late writes refused).
        running.catch(() => undefined);
        if (Number.isFinite(timeoutMs))
          await Promise.race([
            running,
            new Promise<never>((_, reject) => {
              entry.timer = setTimeout(() => {
                const timedOut = new JobTimeoutError(run.id, timeoutMs);
                if (!abort.signal.aborted) abort.abort(timedOut);
                reject(timedOut);
              }, timeoutMs);
              entry.timer.unref();
            }),
          ]);
        else await running;
      } catch (err) {
        ok = false;
        error = err;
      }
      clearTimeout(entry.timer);
      clearInterval(entry.renewer);
      const reason: unknown = abort.signal.reason;
      if (reason instanceof LeaseLostError) {
        log.warn({ jobRunId: run.id, job: run.name }, 'job lost its lease to another process; its outcome is dropped');
        return;
      }
      const t = now();
      let recorded: boolean;
      if (reason === STOPPING) recorded = await repo.yielded(run.id, run.epoch, t);
      else if (ok) recorded = await repo.done(run.id, run.epoch, t);
      else {
        // A timeout is the run's failure even if the job then threw something else at its aborted signal.
        const message = describeError(reason instanceof JobTimeoutError ? reason : error);
        const retryAt =
          run.attempts < run.maxAttempts
            ? t + Math.min(MAX_BACKOFF_MS, (d.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (run.attempts - 1))
            : null;
        try {
          recorded = await repo.failed(run.id, run.epoch, t, message, retryAt);
        } catch (err) {
          log.error({ err, jobRunId: run.id, job: run.name }, 'could not record a job failure; recording a plain one');
          recorded = await repo.failed(
            run.id,
            run.epoch,
            t,
            `${UNDESCRIBABLE} (recording its message failed)`,
            retryAt,
          );
        }
        try {
          log[retryAt === null ? 'error' : 'warn'](
            { err: error, jobRunId: run.id, job: run.name, attempt: run.attempts, of: run.maxAttempts, message },
            retryAt === null ? `job ${run.name} failed for good` : `job ${run.name} failed; retried after a backoff`,
          );
        } catch {
          log.error(
            { jobRunId: run.id, job: run.name, message },
            `job ${run.name} failed (its error could not be logged)`,
          );
        }
      }
      if (!recorded)
        log.warn({ jobRunId: run.id, job: run.name }, 'job ended after its lease moved on; its outcome is dropped');
    };
    this.#running.set(run.id, entry);
    entry.done = body()
      .catch((err: unknown) => log.error({ err, jobRunId: run.id, job: run.name }, 'could not record a job outcome'))
      .finally(() => {
        clearTimeout(entry.timer);
        clearInterval(entry.renewer);
        this.#running.delete(run.id);
      });
    return entry.done;
  }
}
