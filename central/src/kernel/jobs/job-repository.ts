import { uuidv7 } from '@storefleet/shared';
import type { Db, Queryable } from '../../db/db.js';
import type { JobRun, JobScheduleView, JobState } from './types.js';

/** A run as the runner holds it after claiming it. */
export interface ClaimedRun {
  readonly id: string;
  readonly name: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly leaseMs: number;
  readonly epoch: number;
  readonly checkpoint: unknown;
}

interface RunRow {
  id: string;
  name: string;
  schedule: string | null;
  idempotency_key: string | null;
  payload: unknown;
  state: JobState;
  run_at: number;
  attempts: number;
  max_attempts: number;
  lease_ms: number;
  lease_owner: string | null;
  lease_epoch: number;
  lease_until: number | null;
  checkpoint: unknown;
  progress_done: number | null;
  progress_total: number | null;
  progress_message: string | null;
  last_error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const toRun = (r: RunRow): JobRun => ({
  id: r.id,
  name: r.name,
  schedule: r.schedule,
  idempotencyKey: r.idempotency_key,
  state: r.state,
  runAt: Number(r.run_at),
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
  progress:
    r.progress_done === null
      ? null
      : {
          done: Number(r.progress_done),
          total: r.progress_total === null ? null : Number(r.progress_total),
          message: r.progress_message,
        },
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  startedAt: r.started_at === null ? null : Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

const toClaimed = (r: RunRow): ClaimedRun => ({
  id: r.id,
  name: r.name,
  payload: r.payload,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  leaseMs: Number(r.lease_ms),
  epoch: r.lease_epoch,
  checkpoint: r.checkpoint,
});

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
const OPEN = `state IN ('QUEUED', 'RUNNING')`;

/**
 * How far two hub processes' clocks may disagree: a time another process wrote counts as "impossibly far ahead" only
 * beyond this much more than it could be, so a peer whose clock runs a little fast is not taken for a stepped clock.
 */
export const CLOCK_SKEW_MS = 2_000;
/** A run held, whose lease expired or ends further ahead than its length allows (set by a clock since stepped back). */
const LEASE_GONE = (now: string) =>
  `(state = 'RUNNING' AND (lease_until < ${now} OR lease_until > ${now}::bigint + lease_ms + ${CLOCK_SKEW_MS}))`;
/** A schedule whose next run is now, or further ahead than one period (with its jitter) can put it. */
const SCHEDULE_DUE = (now: string) =>
  `(s.next_run_at <= ${now} OR s.next_run_at > ${now}::bigint + s.every_ms * (1 + s.jitter) + ${CLOCK_SKEW_MS})`;

/** The run claimPeriod was about to end was renewed since the claim looked: the claim rolls back. */
class RenewedMeanwhile extends Error {}

/** The index (core/schema/003) that allows one open run per schedule. */
const ONE_OPEN_PER_SCHEDULE = 'job_runs_one_open_per_schedule';
/** Another process inserted this period's run first: the database refused a second open run of the schedule. */
const isSecondOpenRun = (err: unknown): boolean => {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  return (
    e?.code === '23505' &&
    (e.constraint === ONE_OPEN_PER_SCHEDULE || String(e.message ?? '').includes(ONE_OPEN_PER_SCHEDULE))
  );
};

/** Longest progress sentence kept; the admin list shows it per run. */
export const MAX_PROGRESS_MESSAGE_CHARS = 500;
/** Largest checkpoint (its JSON, in bytes) a job may save: it is read back whole at each resume. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** Postgres text and jsonb refuse U+0000; a message a job or an error carries may hold one. */
export const withoutNul = (s: string): string => s.replaceAll(String.fromCharCode(0), '');

/** The columns the admin lists show: not the payload nor the checkpoint (a job's own, possibly large, data). */
const LIST_COLUMNS = `id, name, schedule, idempotency_key, state, run_at, attempts, max_attempts, lease_ms, lease_owner,
  lease_epoch, lease_until, progress_done, progress_total, left(progress_message, ${MAX_PROGRESS_MESSAGE_CHARS})
  AS progress_message, last_error, created_at, started_at, finished_at`;

/** All SQL of the job runner (tables in core/schema/002_jobs.sql). Every write to a held run names its lease epoch. */
export class JobRepository {
  constructor(readonly db: Db) {}

  /** Makes or retunes a schedule; a schedule already due sooner keeps its time (a restart does not push it back). */
  async upsertSchedule(name: string, everyMs: number, jitter: number, firstAt: number, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO job_schedules (name, every_ms, jitter, next_run_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET every_ms = EXCLUDED.every_ms, jitter = EXCLUDED.jitter,
         next_run_at = LEAST(job_schedules.next_run_at, EXCLUDED.next_run_at), updated_at = EXCLUDED.updated_at`,
      [name, everyMs, jitter, firstAt, now],
    );
  }

  /** Drops a schedule (its runs stay, pruned as usual); false when there was none. */
  async deleteSchedule(name: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM job_schedules WHERE name = $1', [name])).rowCount === 1;
  }

  async schedules(names?: readonly string[]): Promise<JobScheduleView[]> {
    const { rows } = await this.db.query<{ name: string; every_ms: number; jitter: number; next_run_at: number }>(
      `SELECT name, every_ms, jitter, next_run_at FROM job_schedules
       ${names ? 'WHERE name = ANY($1::text[])' : ''} ORDER BY name`,
      names ? [names] : [],
    );
    return rows.map((r) => ({
      name: r.name,
      everyMs: Number(r.every_ms),
      jitter: Number(r.jitter),
      nextRunAt: Number(r.next_run_at),
    }));
  }

  /**
   * Takes this period of a schedule, if it is due and its last run has ended: moves next_run_at to `nextAt` and
   * inserts the period's run already held by `owner`, in one transaction. Of several processes asking at once, the
   * conditional UPDATE lets one through; the others find next_run_at in the future and get null.
   *
   * A schedule is due at next_run_at, or at once when next_run_at is further ahead than one period can put it (a hub
   * clock that stepped back, or ran ahead, set it). A last run whose lease expired, or stands further ahead than its
   * length (the same), does not hold the period up: it is ended as FAILED in the same transaction (its process died
   * or hung) and the new period runs. Ending it locks its row, so an owner renewing it after that finds it ended (its
   * lease is lost); one that renewed in between makes the claim roll back (the period waits for that run).
   */
  async claimPeriod(
    name: string,
    now: number,
    nextAt: number,
    owner: string,
    maxAttempts: number,
    leaseMs: number,
  ): Promise<ClaimedRun | null> {
    try {
      return await this.db.transaction(async (tx) => {
        const moved = await tx.query<{ gone: number }>(
          `UPDATE job_schedules s SET next_run_at = $3 WHERE s.name = $1 AND ${SCHEDULE_DUE('$2')}
             AND NOT EXISTS (SELECT 1 FROM job_runs r WHERE r.schedule = s.name AND r.${OPEN} AND NOT ${LEASE_GONE('$2')})
           RETURNING (SELECT count(*)::int FROM job_runs r WHERE r.schedule = s.name AND ${LEASE_GONE('$2')}) AS gone`,
          [name, now, nextAt],
        );
        if (!moved.rowCount) return null;
        const gone = Number(moved.rows[0]!.gone);
        if (gone > 0) {
          const ended = await tx.query(
            `UPDATE job_runs SET state = 'FAILED', finished_at = $2, lease_owner = NULL, lease_until = NULL,
               last_error = 'the process running it stopped renewing its lease (it died or hung); the next period ran instead'
             WHERE schedule = $1 AND ${LEASE_GONE('$2')}`,
            [name, now],
          );
          if (ended.rowCount < gone) throw new RenewedMeanwhile();
        }
        const { rows } = await tx.query<RunRow>(
          `INSERT INTO job_runs (id, name, schedule, state, run_at, attempts, max_attempts, lease_ms, lease_owner,
             lease_epoch, lease_until, created_at, started_at)
           VALUES ($1, $2, $2, 'RUNNING', $3, 1, $4, $5, $6, 1, $3::bigint + $5::bigint, $3, $3) RETURNING *`,
          [uuidv7(now), name, now, maxAttempts, leaseMs, owner],
        );
        return toClaimed(rows[0]!);
      });
    } catch (err) {
      if (err instanceof RenewedMeanwhile || isSecondOpenRun(err)) return null;
      throw err;
    }
  }

  /**
   * Claims up to `limit` runs of the given jobs that are due, or whose lease expired (their process hung or died),
   * skipping rows another process is claiming this instant and the runs `skip` this process runs already.
   */
  async claimDue(
    names: readonly string[],
    skip: readonly string[],
    owner: string,
    now: number,
    limit: number,
  ): Promise<ClaimedRun[]> {
    if (!names.length || limit < 1) return [];
    const { rows } = await this.db.query<RunRow>(
      `UPDATE job_runs SET state = 'RUNNING', lease_owner = $3, lease_epoch = lease_epoch + 1,
         lease_until = $4 + lease_ms, attempts = attempts + 1, started_at = COALESCE(started_at, $4)
       WHERE id IN (
         SELECT id FROM job_runs
         WHERE name = ANY($1::text[]) AND NOT (id = ANY($2::text[]))
           AND ((state = 'QUEUED' AND run_at <= $4) OR ${LEASE_GONE('$4')})
         ORDER BY run_at LIMIT $5 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [names, skip, owner, now, limit],
    );
    return rows.map(toClaimed);
  }

  /** Extends a held lease; false when the run is no longer held at this epoch. */
  async renew(id: string, epoch: number, now: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE job_runs SET lease_until = $3 + lease_ms WHERE id = $1 AND lease_epoch = $2 AND state = 'RUNNING'`,
      [id, epoch, now],
    );
    return r.rowCount === 1;
  }

  async progress(
    id: string,
    epoch: number,
    done: number,
    total: number | null,
    message: string | null,
  ): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE job_runs SET progress_done = $3, progress_total = $4, progress_message = $5
       WHERE id = $1 AND lease_epoch = $2 AND state = 'RUNNING'`,
      [id, epoch, done, total, message === null ? null : withoutNul(message).slice(0, MAX_PROGRESS_MESSAGE_CHARS)],
    );
    return r.rowCount === 1;
  }

  /** Throws (saving nothing) when the checkpoint's JSON is over MAX_CHECKPOINT_BYTES or holds U+0000. */
  async checkpoint(id: string, epoch: number, value: unknown): Promise<boolean> {
    const text = json(value);
    const bytes = text === null ? 0 : Buffer.byteLength(text);
    if (bytes > MAX_CHECKPOINT_BYTES)
      throw new Error(
        `job run ${id}: a checkpoint of ${bytes} bytes of JSON is over the ${MAX_CHECKPOINT_BYTES}-byte limit; ` +
          'save where to carry on from (a cursor, a count), not the work itself',
      );
    // JSON escapes U+0000 as \u0000 (not after an escaped backslash, which is a backslash and the letters u0000)
    if (text !== null && /(^|[^\\])(\\\\)*\\u0000/.test(text))
      throw new Error(`job run ${id}: a checkpoint may not hold U+0000 (the database refuses it in JSON)`);
    const r = await this.db.query(
      `UPDATE job_runs SET checkpoint = $3::jsonb WHERE id = $1 AND lease_epoch = $2 AND state = 'RUNNING'`,
      [id, epoch, text],
    );
    return r.rowCount === 1;
  }

  async done(id: string, epoch: number, now: number): Promise<boolean> {
    return this.#end(id, epoch, `state = 'DONE', finished_at = $3`, [now]);
  }

  /** The attempt failed: back to the queue at `retryAt`, or FAILED for good when `retryAt` is null. */
  async failed(id: string, epoch: number, now: number, error: string, retryAt: number | null): Promise<boolean> {
    return retryAt === null
      ? this.#end(id, epoch, `state = 'FAILED', finished_at = $3, last_error = $4`, [now, error])
      : this.#end(id, epoch, `state = 'QUEUED', run_at = $3, last_error = $4`, [retryAt, error]);
  }

  /** The job yielded to a stop: queued again at once for another process, the attempt not counted. */
  async yielded(id: string, epoch: number, now: number): Promise<boolean> {
    return this.#end(id, epoch, `state = 'QUEUED', run_at = $3, attempts = attempts - 1`, [now]);
  }

  async #end(id: string, epoch: number, set: string, params: unknown[]): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE job_runs SET ${set}, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_epoch = $2 AND state = 'RUNNING'`,
      [id, epoch, ...params],
    );
    return r.rowCount === 1;
  }

  /** Inserts a one-off; with a key already used for this job, returns that run instead. */
  async enqueue(
    name: string,
    payload: unknown,
    key: string | null,
    runAt: number,
    maxAttempts: number,
    leaseMs: number,
    now: number,
  ): Promise<{ id: string; created: boolean }> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO job_runs (id, name, idempotency_key, payload, state, run_at, max_attempts, lease_ms, created_at)
       VALUES ($1, $2, $3, $4::jsonb, 'QUEUED', $5, $6, $7, $8)
       ON CONFLICT (name, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
      [uuidv7(now), name, key, json(payload), runAt, maxAttempts, leaseMs, now],
    );
    if (rows[0]) return { id: rows[0].id, created: true };
    const first = await this.db.query<{ id: string }>(
      `SELECT id FROM job_runs WHERE name = $1 AND idempotency_key = $2`,
      [name, key],
    );
    return { id: first.rows[0]!.id, created: false };
  }

  async get(id: string, q: Queryable = this.db): Promise<JobRun | null> {
    const { rows } = await q.query<RunRow>(`SELECT * FROM job_runs WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** The newest runs first; `before` pages on (the last id of the previous page). */
  async recent(filter: { name?: string; state?: JobState; before?: string; limit: number }): Promise<JobRun[]> {
    const { rows } = await this.db.query<RunRow>(
      `SELECT ${LIST_COLUMNS} FROM job_runs WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR state = $2)
         AND ($3::text IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
      [filter.name ?? null, filter.state ?? null, filter.before ?? null, filter.limit],
    );
    return rows.map(toRun);
  }

  /** The latest run of each schedule: the last the database inserted (ids and times come from hub clocks). */
  async lastOfSchedules(): Promise<Map<string, JobRun>> {
    const { rows } = await this.db.query<RunRow>(
      `SELECT DISTINCT ON (schedule) ${LIST_COLUMNS} FROM job_runs WHERE schedule IS NOT NULL
       ORDER BY schedule, seq DESC`,
    );
    return new Map(rows.map((r) => [r.schedule!, toRun(r)]));
  }

  /**
   * Drops ended runs: a schedule's after `scheduledBefore` (its latest stays: the last inserted, whatever the clocks
   * said), a one-off's after `oneOffBefore`.
   */
  async prune(scheduledBefore: number, oneOffBefore: number): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM job_runs j WHERE state IN ('DONE', 'FAILED')
         AND finished_at < CASE WHEN schedule IS NULL THEN $2::bigint ELSE $1::bigint END
         AND (schedule IS NULL OR seq <> (SELECT max(seq) FROM job_runs l WHERE l.schedule = j.schedule))`,
      [scheduledBefore, oneOffBefore],
    );
    return r.rowCount;
  }
}
