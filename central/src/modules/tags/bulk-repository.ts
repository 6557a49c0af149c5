import type { Queryable } from '../../db/db.js';
import type { TagChange } from './types.js';

export type BulkAction = TagChange['action'];
export type BulkState = 'PREPARING' | 'QUEUED' | 'RUNNING' | 'CANCELLING' | 'CANCELLED' | 'DONE' | 'FAILED';

/** How the job's products were chosen, for people: the query as read, or how many skus were sent. */
export type BulkSelection = { readonly query: string } | { readonly skus: number };

/** A bulk job's row. */
export interface BulkJobRow {
  readonly id: string;
  readonly action: BulkAction;
  readonly tagIds: readonly number[];
  readonly selection: BulkSelection;
  readonly state: BulkState;
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly runId: string | null;
  readonly nextChunk: number;
  readonly startedDone: number;
  readonly retries: number;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly lastError: string | null;
}

/** One slice of a job's fixed selection: product numbers (a query's) or skus (a list's). */
export interface BulkChunk {
  readonly productNos: readonly number[] | null;
  readonly skus: readonly string[] | null;
}

interface JobDbRow {
  id: string;
  action: BulkAction;
  tag_ids: number[];
  selection: BulkSelection;
  state: BulkState;
  total: number;
  done: number;
  failed: number;
  run_id: string | null;
  next_chunk: number;
  started_done: number;
  retries: number;
  created_by: string;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  last_error: string | null;
}
const num = (v: number | string | null) => (v === null ? null : Number(v));
const toJob = (r: JobDbRow): BulkJobRow => ({
  id: r.id,
  action: r.action,
  tagIds: r.tag_ids,
  selection: r.selection,
  state: r.state,
  total: r.total,
  done: r.done,
  failed: r.failed,
  runId: r.run_id,
  nextChunk: r.next_chunk,
  startedDone: r.started_done,
  retries: r.retries,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  startedAt: num(r.started_at),
  finishedAt: num(r.finished_at),
  lastError: r.last_error,
});
const COLUMNS = `id, action, tag_ids, selection, state, total, done, failed, run_id, next_chunk, started_done, retries,
  created_by, created_at, started_at, finished_at, last_error`;

/** All of the bulk jobs' SQL (tag_bulk_jobs, tag_bulk_chunks, tag_bulk_failures). Postgres and PGlite run the same text. */
export class TagBulkRepository {
  constructor(readonly db: Queryable) {}

  async insert(job: {
    id: string;
    action: BulkAction;
    tagIds: readonly number[];
    selection: BulkSelection;
    state: BulkState;
    createdBy: string;
    createdAt: number;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO tag_bulk_jobs (id, action, tag_ids, selection, state, created_by, created_at)
       VALUES ($1, $2, $3::int[], $4::jsonb, $5, $6, $7)`,
      [job.id, job.action, job.tagIds, JSON.stringify(job.selection), job.state, job.createdBy, job.createdAt],
    );
  }

  /** Appends chunks after the job's last and adds their products to its total (and to a list's count of skus). */
  async appendChunks(jobId: string, chunks: readonly BulkChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT COALESCE(max(chunk) + 1, 0)::int AS n FROM tag_bulk_chunks WHERE job_id = $1',
      [jobId],
    );
    let n = rows[0]!.n;
    let added = 0;
    for (const c of chunks) {
      await this.db.query(
        'INSERT INTO tag_bulk_chunks (job_id, chunk, product_nos, skus) VALUES ($1, $2, $3::int[], $4::text[])',
        [jobId, n++, c.productNos, c.skus],
      );
      added += (c.productNos ?? c.skus ?? []).length;
    }
    await this.db.query(
      `UPDATE tag_bulk_jobs SET total = total + $2,
         selection = CASE WHEN selection ? 'skus' THEN jsonb_build_object('skus', total + $2) ELSE selection END
       WHERE id = $1`,
      [jobId, added],
    );
  }

  async job(id: string, forUpdate = false): Promise<BulkJobRow | null> {
    const { rows } = await this.db.query<JobDbRow>(
      `SELECT ${COLUMNS} FROM tag_bulk_jobs WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** The newest jobs first. */
  async recent(limit: number): Promise<BulkJobRow[]> {
    const { rows } = await this.db.query<JobDbRow>(
      `SELECT ${COLUMNS} FROM tag_bulk_jobs ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    );
    return rows.map(toJob);
  }

  async chunkCount(jobId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM tag_bulk_chunks WHERE job_id = $1',
      [jobId],
    );
    return rows[0]!.n;
  }

  async chunk(jobId: string, chunk: number): Promise<BulkChunk | null> {
    const { rows } = await this.db.query<{ product_nos: number[] | null; skus: string[] | null }>(
      'SELECT product_nos, skus FROM tag_bulk_chunks WHERE job_id = $1 AND chunk = $2',
      [jobId, chunk],
    );
    return rows[0] ? { productNos: rows[0].product_nos, skus: rows[0].skus } : null;
  }

  /**
   * Moves the job from one of `from` to `to`, with the other columns given; returns the job as it is now, or null
   * when it was in no state of `from` (nothing changed).
   */
  async move(
    id: string,
    from: readonly BulkState[],
    to: BulkState,
    set: {
      runId?: string;
      startedAt?: number;
      startedFromDone?: boolean;
      finishedAt?: number | null;
      lastError?: string | null;
      /** A retry: counted, and the last run's id cleared until the new run's is recorded. */
      retry?: boolean;
    } = {},
  ): Promise<BulkJobRow | null> {
    const { rows } = await this.db.query<JobDbRow>(
      `UPDATE tag_bulk_jobs SET state = $3,
         run_id = CASE WHEN $11::boolean THEN NULL ELSE COALESCE($4::uuid, run_id) END,
         started_at = COALESCE($5::bigint, started_at),
         started_done = CASE WHEN $6::boolean THEN done ELSE started_done END,
         finished_at = CASE WHEN $7::boolean THEN $8::bigint ELSE finished_at END,
         last_error = CASE WHEN $9::boolean THEN $10::text ELSE last_error END,
         retries = retries + CASE WHEN $11::boolean THEN 1 ELSE 0 END
       WHERE id = $1 AND state = ANY($2::text[])
       RETURNING ${COLUMNS}`,
      [
        id,
        from,
        to,
        set.runId ?? null,
        set.startedAt ?? null,
        set.startedFromDone ?? false,
        set.finishedAt !== undefined,
        set.finishedAt ?? null,
        set.lastError !== undefined,
        set.lastError ?? null,
        set.retry ?? false,
      ],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** The kernel run executing the job (a retry's replaces the last). */
  async setRun(id: string, runId: string): Promise<void> {
    await this.db.query('UPDATE tag_bulk_jobs SET run_id = $2 WHERE id = $1', [id, runId]);
  }

  /** Records an attempt's error on a job still running (the runner tries again). */
  async noteError(id: string, error: string): Promise<void> {
    await this.db.query('UPDATE tag_bulk_jobs SET last_error = $2 WHERE id = $1', [id, error]);
  }

  /**
   * Locks the job's row for applying chunk `chunk`: the job as it is, or null when it is not RUNNING at that chunk
   * (another process applied it, or it was cancelled): then the caller applies nothing.
   */
  async claimChunk(id: string, chunk: number): Promise<BulkJobRow | null> {
    const { rows } = await this.db.query<JobDbRow>(
      `SELECT ${COLUMNS} FROM tag_bulk_jobs WHERE id = $1 AND next_chunk = $2 AND state = 'RUNNING' FOR UPDATE`,
      [id, chunk],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** The failures of a chunk, recorded once per sku; returns how many were new. */
  async addFailures(jobId: string, failures: readonly { sku: string; reason: string }[]): Promise<number> {
    if (failures.length === 0) return 0;
    const { rows } = await this.db.query<{ sku: string }>(
      `INSERT INTO tag_bulk_failures (job_id, sku, reason)
       SELECT $1, s, r FROM unnest($2::text[], $3::text[]) AS f(s, r)
       ON CONFLICT (job_id, sku) DO NOTHING RETURNING sku`,
      [jobId, failures.map((f) => f.sku), failures.map((f) => f.reason)],
    );
    return rows.length;
  }

  /** The chunk applied: its counts added and the job moved to the next chunk, in the chunk's transaction. */
  async chunkApplied(id: string, chunk: number, done: number, failed: number): Promise<BulkJobRow> {
    const { rows } = await this.db.query<JobDbRow>(
      `UPDATE tag_bulk_jobs SET next_chunk = $2 + 1, done = done + $3, failed = failed + $4
       WHERE id = $1 AND next_chunk = $2 RETURNING ${COLUMNS}`,
      [id, chunk, done, failed],
    );
    if (!rows[0]) throw new Error(`tag bulk job ${id}: chunk ${chunk} was applied by another run meanwhile`);
    return toJob(rows[0]);
  }

  /** The failure report, by sku, after `after`. */
  async failures(jobId: string, after: string, limit: number): Promise<{ sku: string; reason: string }[]> {
    const { rows } = await this.db.query<{ sku: string; reason: string }>(
      'SELECT sku, reason FROM tag_bulk_failures WHERE job_id = $1 AND sku > $2 ORDER BY sku LIMIT $3',
      [jobId, after, limit],
    );
    return rows;
  }

  /** Jobs QUEUED with no run recorded (a hub died between queueing one and enqueueing its run), oldest first. */
  async queuedWithoutRun(): Promise<BulkJobRow[]> {
    const { rows } = await this.db.query<JobDbRow>(
      `SELECT ${COLUMNS} FROM tag_bulk_jobs WHERE state = 'QUEUED' AND run_id IS NULL ORDER BY created_at, id LIMIT 100`,
    );
    return rows.map(toJob);
  }

  /** The live tags of `tagIds` as {id, slug, path, name}, for the job's view. */
  async tagsOf(tagIds: readonly number[]): Promise<{ id: number; slug: string; name: string; path: string }[]> {
    if (tagIds.length === 0) return [];
    const { rows } = await this.db.query<{ id: number; slug: string; name: string; path: string }>(
      'SELECT id, slug, name, path FROM tags WHERE id = ANY($1::int[]) ORDER BY path',
      [tagIds],
    );
    return rows;
  }
}
