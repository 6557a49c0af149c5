import type { Queryable } from '../../db/db.js';
import { msParam as TS } from '../../kernel/sql-time.js';

/** A timestamptz from epoch ms, written the same way on pg and PGlite. */
/** A link's blob is touched (garbage collection spares it) at most this often by reads: a pull is not a write each time. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The first key of the advisory locks that serialise, per digest, a push recording its blob and garbage collection
 * removing it (the second key is `hashtext(digest)`): transaction-scoped, on pg and PGlite alike.
 */
export const BLOB_LOCK_SPACE = 23_001;

/** An upload session's row. */
export interface UploadRow {
  readonly id: string;
  readonly repository: string;
  readonly owner: string;
  readonly received: number;
  readonly completedDigest: string | null;
}

const UPLOAD_COLUMNS = 'id, repository, owner, received, completed_digest';
const uploadFromRow = (r: Record<string, unknown>): UploadRow => ({
  id: r.id as string,
  repository: r.repository as string,
  owner: r.owner as string,
  received: Number(r.received),
  completedDigest: (r.completed_digest as string | null) ?? null,
});

/**
 * All SQL of the registry's blobs, links, upload sessions and repositories' quotas (lane: blobs). `ref_count` of a
 * blob is the number of repositories linking it: changed only here, in the transaction that adds or removes the link.
 */
export const blobsRepository = {
  async ensureRepository(q: Queryable, name: string, now: number): Promise<void> {
    await q.query(
      `INSERT INTO registry_repositories (name, created_at, updated_at) VALUES ($1, ${TS(2)}, ${TS(2)})
       ON CONFLICT (name) DO NOTHING`,
      [name, now],
    );
  },

  /** The repository's own quota (null = the hub's default), its row locked to the end of the transaction; undefined when none. */
  async lockRepository(q: Queryable, name: string): Promise<{ quotaBytes: number | null } | undefined> {
    const { rows } = await q.query<{ quota_bytes: unknown }>(
      'SELECT quota_bytes FROM registry_repositories WHERE name = $1 FOR UPDATE',
      [name],
    );
    const r = rows[0];
    if (!r) return undefined;
    return { quotaBytes: r.quota_bytes === null ? null : Number(r.quota_bytes) };
  },

  /** Bytes of the blobs and manifests the repository links (each once). */
  async repositoryUse(q: Queryable, name: string): Promise<number> {
    const { rows } = await q.query<{ used: unknown }>(
      `SELECT coalesce((SELECT sum(b.size) FROM registry_repo_blobs l JOIN registry_blobs b ON b.digest = l.digest
                         WHERE l.repository = $1), 0)
            + coalesce((SELECT sum(m.size) FROM registry_manifests m WHERE m.repository = $1), 0) AS used`,
      [name],
    );
    return Number(rows[0]?.used ?? 0);
  },

  async repositoryExists(q: Queryable, name: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM registry_repositories WHERE name = $1', [name]);
    return rows.length > 0;
  },

  /** The size of a blob `repository` links (its row locked FOR SHARE when `lock`), else undefined. */
  async linkedSize(q: Queryable, repository: string, digest: string, lock = false): Promise<number | undefined> {
    const { rows } = await q.query<{ size: unknown }>(
      `SELECT b.size FROM registry_blobs b JOIN registry_repo_blobs l ON l.digest = b.digest
        WHERE l.repository = $1 AND l.digest = $2${lock ? ' FOR SHARE OF b' : ''}`,
      [repository, digest],
    );
    return rows[0] ? Number(rows[0].size) : undefined;
  },

  /** Marks the blob as leaned on now, unless it was within the last minute. */
  async touch(q: Queryable, digest: string, now: number): Promise<void> {
    await q.query(`UPDATE registry_blobs SET touched_at = ${TS(2)} WHERE digest = $1 AND touched_at < ${TS(3)}`, [
      digest,
      now,
      now - TOUCH_EVERY_MS,
    ]);
  },

  /** Of `digests`, those `repository` links, their blob rows locked FOR SHARE to the end of the transaction. */
  async linkedLocked(q: Queryable, repository: string, digests: readonly string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const { rows } = await q.query<{ digest: string }>(
      `SELECT b.digest FROM registry_blobs b JOIN registry_repo_blobs l ON l.digest = b.digest
        WHERE l.repository = $1 AND b.digest = ANY($2::text[])
        ORDER BY b.digest FOR SHARE OF b`,
      [repository, [...digests]],
    );
    return new Set(rows.map((r) => r.digest));
  },

  /**
   * Waits for, then holds to the end of the transaction, the digest's lock: a push recording the blob takes it, so a
   * garbage collection removing the same digest (row and file, under the same lock) is wholly before or after it.
   */
  async lockDigest(q: Queryable, digest: string): Promise<void> {
    await q.query(`SELECT pg_advisory_xact_lock(${BLOB_LOCK_SPACE}, hashtext($1))`, [digest]);
  },

  /** How many sessions `owner` has open (not completed): the bound on sessions per caller. */
  async openUploads(q: Queryable, owner: string): Promise<number> {
    const { rows } = await q.query<{ n: unknown }>(
      'SELECT count(*)::int AS n FROM registry_uploads WHERE owner = $1 AND completed_digest IS NULL',
      [owner],
    );
    return Number(rows[0]?.n ?? 0);
  },

  /** Records a stored blob (the same digest twice is one row: dedup), touched now. */
  async upsertBlob(q: Queryable, digest: string, size: number, now: number): Promise<void> {
    await q.query(
      `INSERT INTO registry_blobs (digest, size, ref_count, created_at, touched_at) VALUES ($1, $2, 0, ${TS(3)}, ${TS(3)})
       ON CONFLICT (digest) DO UPDATE SET touched_at = EXCLUDED.touched_at`,
      [digest, size, now],
    );
  },

  /** Links the blob into the repository; true when the link is new (and the blob's ref_count went up by one). */
  async link(q: Queryable, repository: string, digest: string, now: number): Promise<boolean> {
    const ins = await q.query(
      `INSERT INTO registry_repo_blobs (repository, digest, linked_at) VALUES ($1, $2, ${TS(3)})
       ON CONFLICT (repository, digest) DO NOTHING RETURNING digest`,
      [repository, digest, now],
    );
    if (ins.rows.length === 0) return false;
    await q.query(`UPDATE registry_blobs SET ref_count = ref_count + 1, touched_at = ${TS(2)} WHERE digest = $1`, [
      digest,
      now,
    ]);
    return true;
  },

  /** Removes the link; true when there was one (and the blob's ref_count went down by one). */
  async unlink(q: Queryable, repository: string, digest: string, now: number): Promise<boolean> {
    const del = await q.query(
      'DELETE FROM registry_repo_blobs WHERE repository = $1 AND digest = $2 RETURNING digest',
      [repository, digest],
    );
    if (del.rows.length === 0) return false;
    await q.query(
      `UPDATE registry_blobs SET ref_count = greatest(ref_count - 1, 0), touched_at = ${TS(2)} WHERE digest = $1`,
      [digest, now],
    );
    return true;
  },

  /** A new session; undefined when `owner` already has one under `idempotencyKey` (then read it with `uploadByKey`). */
  async insertUpload(
    q: Queryable,
    u: { id: string; repository: string; owner: string; idempotencyKey: string | null },
    now: number,
  ): Promise<UploadRow | undefined> {
    const { rows } = await q.query(
      `INSERT INTO registry_uploads (id, repository, owner, received, idempotency_key, started_at, updated_at)
       VALUES ($1, $2, $3, 0, $4, ${TS(5)}, ${TS(5)})
       ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${UPLOAD_COLUMNS}`,
      [u.id, u.repository, u.owner, u.idempotencyKey, now],
    );
    return rows[0] ? uploadFromRow(rows[0]) : undefined;
  },

  async uploadByKey(q: Queryable, owner: string, idempotencyKey: string): Promise<UploadRow | undefined> {
    const { rows } = await q.query(
      `SELECT ${UPLOAD_COLUMNS} FROM registry_uploads WHERE owner = $1 AND idempotency_key = $2`,
      [owner, idempotencyKey],
    );
    return rows[0] ? uploadFromRow(rows[0]) : undefined;
  },

  async upload(q: Queryable, id: string): Promise<UploadRow | undefined> {
    const { rows } = await q.query(`SELECT ${UPLOAD_COLUMNS} FROM registry_uploads WHERE id = $1`, [id]);
    return rows[0] ? uploadFromRow(rows[0]) : undefined;
  },

  async setReceived(q: Queryable, id: string, received: number, now: number): Promise<void> {
    await q.query(`UPDATE registry_uploads SET received = $2, updated_at = ${TS(3)} WHERE id = $1`, [
      id,
      received,
      now,
    ]);
  },

  async completeUpload(q: Queryable, id: string, digest: string, size: number, now: number): Promise<void> {
    await q.query(
      `UPDATE registry_uploads SET completed_digest = $2, received = $3, updated_at = ${TS(4)} WHERE id = $1`,
      [id, digest, size, now],
    );
  },

  async deleteUpload(q: Queryable, id: string): Promise<void> {
    await q.query('DELETE FROM registry_uploads WHERE id = $1', [id]);
  },
};
