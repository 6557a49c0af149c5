import type { Queryable } from '../../db/db.js';
import { BLOB_LOCK_SPACE } from './blobs-repository.js';

/** A garbage-collection run as the API answers it. */
export interface GcRun {
  readonly id: string;
  readonly state: 'RUNNING' | 'DONE' | 'FAILED';
  readonly trigger: 'SCHEDULE' | 'ADMIN';
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** Blobs a manifest references (kept). */
  readonly marked: number;
  readonly sweptBlobs: number;
  readonly sweptBytes: number;
  readonly droppedUploads: number;
  readonly detail: string | null;
}

/** What a run has done so far. */
export interface GcFigures {
  readonly marked: number;
  readonly sweptBlobs: number;
  readonly sweptBytes: number;
  readonly droppedUploads: number;
}

const ms = (v: unknown) => new Date(v as string | Date).getTime();
const n = (v: unknown) => Number(v ?? 0);

function toRun(r: Record<string, unknown>): GcRun {
  return {
    id: r.id as string,
    state: r.state as GcRun['state'],
    trigger: r.trigger as GcRun['trigger'],
    startedAt: ms(r.started_at),
    finishedAt: r.finished_at ? ms(r.finished_at) : null,
    marked: n(r.marked),
    sweptBlobs: n(r.swept_blobs),
    sweptBytes: n(r.swept_bytes),
    droppedUploads: n(r.dropped_uploads),
    detail: (r.detail as string | null) ?? null,
  };
}

/** One lock key for "a collection is starting" across every hub on the database. */
const START_LOCK = 'registry.gc.start';

/** The SQL of garbage collection (gc.ts). */
export const gcRepository = {
  /**
   * Makes a RUNNING run, unless one is running (then answers it, and makes none). A RUNNING run started before
   * `staleBefore` is one a dead hub left: it is marked FAILED and no longer stands in the way. Call in a transaction.
   */
  async begin(
    tx: Queryable,
    run: { id: string; trigger: GcRun['trigger']; at: number; staleBefore: number },
  ): Promise<{ created: true } | { created: false; running: string }> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [START_LOCK]);
    await tx.query(
      `UPDATE registry_gc_runs SET state = 'FAILED', finished_at = $2,
         detail = 'abandoned: its hub stopped or died while it ran'
       WHERE state = 'RUNNING' AND started_at < $1`,
      [new Date(run.staleBefore), new Date(run.at)],
    );
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM registry_gc_runs WHERE state = 'RUNNING' ORDER BY started_at LIMIT 1`,
    );
    if (rows[0]) return { created: false, running: rows[0].id };
    await tx.query(`INSERT INTO registry_gc_runs (id, state, trigger, started_at) VALUES ($1, 'RUNNING', $2, $3)`, [
      run.id,
      run.trigger,
      new Date(run.at),
    ]);
    return { created: true };
  },

  /** Takes a run up again (a job resumed after its hub stopped); false when the run is not there or already DONE. */
  async resume(q: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await q.query(
      `UPDATE registry_gc_runs SET state = 'RUNNING', finished_at = NULL, detail = NULL
       WHERE id = $1 AND state <> 'DONE'`,
      [id],
    );
    return rowCount === 1;
  },

  async progress(q: Queryable, id: string, f: GcFigures, detail: string): Promise<void> {
    await q.query(
      `UPDATE registry_gc_runs SET marked = $2, swept_blobs = $3, swept_bytes = $4, dropped_uploads = $5, detail = $6
       WHERE id = $1 AND state = 'RUNNING'`,
      [id, f.marked, f.sweptBlobs, f.sweptBytes, f.droppedUploads, detail.slice(0, 1000)],
    );
  },

  async finish(
    q: Queryable,
    id: string,
    state: 'DONE' | 'FAILED',
    f: GcFigures,
    detail: string,
    at: number,
  ): Promise<void> {
    await q.query(
      `UPDATE registry_gc_runs SET state = $2, marked = $3, swept_blobs = $4, swept_bytes = $5, dropped_uploads = $6,
         detail = $7, finished_at = $8
       WHERE id = $1`,
      [id, state, f.marked, f.sweptBlobs, f.sweptBytes, f.droppedUploads, detail.slice(0, 1000), new Date(at)],
    );
  },

  async get(q: Queryable, id: string): Promise<GcRun | null> {
    const { rows } = await q.query<Record<string, unknown>>('SELECT * FROM registry_gc_runs WHERE id = $1', [id]);
    return rows[0] ? toRun(rows[0]) : null;
  },

  /** Newest first; `before` = a run id, the page after it. */
  async list(q: Queryable, limit: number, before: string | null): Promise<GcRun[]> {
    const { rows } = await q.query<Record<string, unknown>>(
      before
        ? `SELECT g.* FROM registry_gc_runs g, registry_gc_runs b
            WHERE b.id = $2 AND (g.started_at, g.id) < (b.started_at, b.id)
            ORDER BY g.started_at DESC, g.id DESC LIMIT $1`
        : 'SELECT * FROM registry_gc_runs ORDER BY started_at DESC, id DESC LIMIT $1',
      before ? [limit, before] : [limit],
    );
    return rows.map(toRun);
  },

  /** How many blobs the manifests reference: the mark. */
  async marked(q: Queryable): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(DISTINCT child_digest)::int AS n FROM registry_manifest_refs WHERE kind = 'BLOB'`,
    );
    return n(rows[0]?.n);
  },

  /**
   * Up to `limit` blobs after `after` (digest order) that no manifest names and that nothing touched since
   * `cutoff`: the sweep's candidates, read without locks (each is locked and checked again before it goes).
   */
  async candidates(q: Queryable, cutoff: number, after: string, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ digest: string }>(
      `SELECT b.digest FROM registry_blobs b
        WHERE b.digest > $2 AND b.touched_at < $1
          AND NOT EXISTS (SELECT 1 FROM registry_manifest_refs r WHERE r.child_digest = b.digest)
        ORDER BY b.digest LIMIT $3`,
      [new Date(cutoff), after, limit],
    );
    return rows.map((r) => r.digest);
  },

  /**
   * Removes those of `digests` that are still candidates, in the caller's transaction: locks their rows FOR UPDATE
   * (skipping a row a manifest push holds FOR SHARE right now: it is in use, the next run looks again), checks again
   * that nothing touched them since `cutoff` and no manifest names them (a manifest that committed while we waited is
   * seen here), then deletes their links and rows. Answers what it removed; the caller removes their files in the same
   * transaction, under the digests' locks.
   */
  async sweep(tx: Queryable, digests: readonly string[], cutoff: number): Promise<{ digest: string; size: number }[]> {
    if (digests.length === 0) return [];
    // the digests' locks first (a push recording one holds it: passed over), then their rows, as a push takes them
    const mine = await gcRepository.tryLockDigests(tx, digests);
    if (mine.length === 0) return [];
    const { rows: locked } = await tx.query<{ digest: string }>(
      `SELECT digest FROM registry_blobs WHERE digest = ANY($1::text[]) AND touched_at < $2
        ORDER BY digest FOR UPDATE SKIP LOCKED`,
      [mine, new Date(cutoff)],
    );
    if (locked.length === 0) return [];
    const { rows: free } = await tx.query<{ digest: string }>(
      `SELECT b.digest FROM registry_blobs b
        WHERE b.digest = ANY($1::text[]) AND b.touched_at < $2
          AND NOT EXISTS (SELECT 1 FROM registry_manifest_refs r WHERE r.child_digest = b.digest)`,
      [locked.map((r) => r.digest), new Date(cutoff)],
    );
    if (free.length === 0) return [];
    const gone = free.map((r) => r.digest);
    await tx.query('DELETE FROM registry_repo_blobs WHERE digest = ANY($1::text[])', [gone]);
    const { rows } = await tx.query<{ digest: string; size: number }>(
      'DELETE FROM registry_blobs WHERE digest = ANY($1::text[]) RETURNING digest, size',
      [gone],
    );
    return rows.map((r) => ({ digest: r.digest, size: n(r.size) }));
  },

  /**
   * Takes those of the digests' locks (`blobsRepository.lockDigest`) nobody holds, to the end of the transaction;
   * answers the digests it holds.
   */
  async tryLockDigests(tx: Queryable, digests: readonly string[]): Promise<string[]> {
    const held: string[] = [];
    for (const d of [...digests].sort()) {
      const { rows } = await tx.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_xact_lock(${BLOB_LOCK_SPACE}, hashtext($1)) AS ok`,
        [d],
      );
      if (rows[0]?.ok) held.push(d);
    }
    return held;
  },

  /** Of `digests`, those a blob row names (a file without one is what a crash between file and row left). */
  async existing(q: Queryable, digests: readonly string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const { rows } = await q.query<{ digest: string }>(
      'SELECT digest FROM registry_blobs WHERE digest = ANY($1::text[])',
      [digests],
    );
    return new Set(rows.map((r) => r.digest));
  },

  /** Drops up to `limit` upload sessions not changed since `cutoff`; answers their ids (their files go next). */
  async dropIdleUploads(q: Queryable, cutoff: number, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `DELETE FROM registry_uploads WHERE id IN
         (SELECT id FROM registry_uploads WHERE updated_at < $1 ORDER BY updated_at LIMIT $2)
       RETURNING id::text AS id`,
      [new Date(cutoff), limit],
    );
    return rows.map((r) => r.id);
  },

  /** Of `ids`, those an upload session row names. */
  async uploadSessions(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await q.query<{ id: string }>(
      'SELECT id::text AS id FROM registry_uploads WHERE id::text = ANY($1::text[])',
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  },
};
