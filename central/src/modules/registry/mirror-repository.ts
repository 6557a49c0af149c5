import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/db.js';

export type MirrorRunState = 'RUNNING' | 'DONE' | 'FAILED';
export type MirrorTagState = 'PENDING' | 'COPYING' | 'DONE' | 'FAILED';

/** One pass over the mirrored registry. */
export interface MirrorRun {
  readonly id: string;
  readonly state: MirrorRunState;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly manifestsCopied: number;
  readonly blobsCopied: number;
  readonly bytesCopied: number;
  readonly blobsSkipped: number;
  readonly detail: string | null;
}

/** Where the mirror is with one tag of the registry it mirrors. */
export interface MirrorTag {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string | null;
  readonly state: MirrorTagState;
  readonly bytesCopied: number;
  readonly detail: string | null;
  readonly updatedAt: number;
}

/** What a run has done so far (written at the end of each tag, so the console sees a long run move). */
export interface MirrorCounts {
  manifestsCopied: number;
  blobsCopied: number;
  bytesCopied: number;
  blobsSkipped: number;
}

const ms = (v: unknown): number => new Date(v as string | Date).getTime();

function runOf(r: Record<string, unknown>): MirrorRun {
  return {
    id: r.id as string,
    state: r.state as MirrorRunState,
    startedAt: ms(r.started_at),
    finishedAt: r.finished_at === null ? null : ms(r.finished_at),
    manifestsCopied: Number(r.manifests_copied),
    blobsCopied: Number(r.blobs_copied),
    bytesCopied: Number(r.bytes_copied),
    blobsSkipped: Number(r.blobs_skipped),
    detail: (r.detail as string | null) ?? null,
  };
}

/** The mirror's SQL (lane: mirror-console): its runs, its per-tag progress, the sessions of its partial copies. */
export class MirrorRepository {
  constructor(readonly db: Queryable) {}

  /**
   * Opens a run unless one is RUNNING that started after `staleBefore` (an older RUNNING one is a run a dead process
   * left: it is closed FAILED first). Resolves null when another run is going on. One statement, so two hubs asking
   * at once open one run between them.
   */
  async open(at: number, staleBefore: number): Promise<string | null> {
    await this.db.query(
      `UPDATE registry_mirror_runs SET state = 'FAILED', finished_at = $1,
         detail = 'interrupted: the hub running it stopped before it ended'
       WHERE state = 'RUNNING' AND started_at < $2`,
      [new Date(at), new Date(staleBefore)],
    );
    const id = randomUUID();
    const { rowCount } = await this.db.query(
      `INSERT INTO registry_mirror_runs (id, state, started_at)
       SELECT $1, 'RUNNING', $2 WHERE NOT EXISTS (SELECT 1 FROM registry_mirror_runs WHERE state = 'RUNNING')`,
      [id, new Date(at)],
    );
    return rowCount > 0 ? id : null;
  }

  async progress(id: string, c: MirrorCounts): Promise<void> {
    await this.db.query(
      `UPDATE registry_mirror_runs SET manifests_copied = $2, blobs_copied = $3, bytes_copied = $4, blobs_skipped = $5
       WHERE id = $1`,
      [id, c.manifestsCopied, c.blobsCopied, c.bytesCopied, c.blobsSkipped],
    );
  }

  async close(id: string, state: 'DONE' | 'FAILED', c: MirrorCounts, detail: string | null, at: number): Promise<void> {
    await this.db.query(
      `UPDATE registry_mirror_runs SET state = $2, manifests_copied = $3, blobs_copied = $4, bytes_copied = $5,
         blobs_skipped = $6, detail = $7, finished_at = $8
       WHERE id = $1`,
      [id, state, c.manifestsCopied, c.blobsCopied, c.bytesCopied, c.blobsSkipped, detail, new Date(at)],
    );
  }

  async run(id: string): Promise<MirrorRun | null> {
    const { rows } = await this.db.query(`SELECT * FROM registry_mirror_runs WHERE id = $1`, [id]);
    return rows[0] ? runOf(rows[0]) : null;
  }

  async runs(limit: number): Promise<MirrorRun[]> {
    const { rows } = await this.db.query(`SELECT * FROM registry_mirror_runs ORDER BY started_at DESC, id LIMIT $1`, [
      limit,
    ]);
    return rows.map(runOf);
  }

  /** The digest a tag was last copied at, when that copy finished. */
  async doneDigest(repository: string, tag: string): Promise<string | null> {
    const { rows } = await this.db.query<{ digest: string | null }>(
      `SELECT digest FROM registry_mirror_state WHERE repository = $1 AND tag = $2 AND state = 'DONE'`,
      [repository, tag],
    );
    return rows[0]?.digest ?? null;
  }

  async setTag(
    repository: string,
    tag: string,
    change: { digest: string | null; state: MirrorTagState; bytesCopied?: number; detail?: string | null },
    at: number,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO registry_mirror_state (repository, tag, digest, state, bytes_copied, detail, updated_at)
       VALUES ($1, $2, $3, $4, coalesce($5::bigint, 0), $6, $7)
       ON CONFLICT (repository, tag) DO UPDATE SET digest = EXCLUDED.digest, state = EXCLUDED.state,
         bytes_copied = registry_mirror_state.bytes_copied + coalesce($5::bigint, 0),
         detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at`,
      [repository, tag, change.digest, change.state, change.bytesCopied ?? null, change.detail ?? null, new Date(at)],
    );
  }

  async tags(limit: number): Promise<MirrorTag[]> {
    const { rows } = await this.db.query(`SELECT * FROM registry_mirror_state ORDER BY repository, tag LIMIT $1`, [
      limit,
    ]);
    return rows.map((r) => ({
      repository: r.repository as string,
      tag: r.tag as string,
      digest: (r.digest as string | null) ?? null,
      state: r.state as MirrorTagState,
      bytesCopied: Number(r.bytes_copied),
      detail: (r.detail as string | null) ?? null,
      updatedAt: ms(r.updated_at),
    }));
  }

  /**
   * Records (or touches, when a run resumes or appends to it) the mirror's partial copy `id` of a blob as an upload
   * session of `owner`, so garbage collection treats its part file as a session (dropped only once idle past
   * REGISTRY_UPLOAD_IDLE_MS) and not as a file no session owns. No client can continue it: `owner` is no caller's.
   */
  async holdUpload(id: string, repository: string, owner: string, received: number, at: number): Promise<void> {
    await this.db.query(
      `INSERT INTO registry_uploads (id, repository, owner, received, started_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (id) DO UPDATE SET received = EXCLUDED.received, updated_at = EXCLUDED.updated_at`,
      [id, repository, owner, received, new Date(at)],
    );
  }

  /** Ends the session of a partial copy (its bytes became a blob, or were of no use). */
  async releaseUpload(id: string): Promise<void> {
    await this.db.query('DELETE FROM registry_uploads WHERE id = $1', [id]);
  }

  /** Bytes every run has copied. */
  async totalBytes(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT coalesce(sum(bytes_copied), 0)::float8 AS n FROM registry_mirror_runs`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}
