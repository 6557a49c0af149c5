import type { VaultDoc, VaultDocRemoved } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** A document as the store keeps it. */
export interface StoreVaultDoc {
  readonly documentId: string;
  readonly changeSeq: number;
  readonly name: string;
  readonly path: readonly string[];
  readonly tags: readonly string[];
  readonly mediaType: string;
  readonly size: number;
  readonly versionId: string;
  readonly versionNo: number;
  readonly sha256: string;
  readonly offline: boolean;
  readonly updatedAt: number;
  /** The version whose bytes are in the cache, or null. */
  readonly cachedVersionId: string | null;
}

interface Row {
  document_id: string;
  change_seq: number;
  name: string;
  path: string;
  tags: string;
  media_type: string;
  size: number;
  version_id: string;
  version_no: number;
  sha256: string;
  offline: number;
  updated_at: number;
  cached_version_id: string | null;
}

const toDoc = (r: Row): StoreVaultDoc => ({
  documentId: r.document_id,
  changeSeq: r.change_seq,
  name: r.name,
  path: JSON.parse(r.path) as string[],
  tags: JSON.parse(r.tags) as string[],
  mediaType: r.media_type,
  size: r.size,
  versionId: r.version_id,
  versionNo: r.version_no,
  sha256: r.sha256,
  offline: r.offline === 1,
  updatedAt: r.updated_at,
  cachedVersionId: r.cached_version_id,
});

const COLUMNS =
  'document_id, change_seq, name, path, tags, media_type, size, version_id, version_no, sha256, offline, updated_at, cached_version_id';

/** All SQL of the store's document reader. */
export class StoreVaultRepository {
  constructor(readonly db: SqliteDb) {}

  /** The newest changeSeq this store applied for the document (kept or removed), 0 when none. */
  newestSeq(documentId: string): number {
    const r = this.db
      .prepare(
        `SELECT max(s) AS s FROM (SELECT change_seq AS s FROM vault_docs WHERE document_id = ?
                                  UNION ALL SELECT change_seq FROM vault_removed WHERE document_id = ?)`,
      )
      .get(documentId, documentId) as { s: number | null };
    return r.s ?? 0;
  }

  /** Keeps the document's metadata; a cached copy of another version no longer counts (its file is replaced later). */
  upsert(d: VaultDoc): void {
    this.db
      .prepare(
        `INSERT INTO vault_docs (document_id, change_seq, name, path, tags, media_type, size, version_id, version_no,
                                 sha256, offline, updated_at)
         VALUES (@documentId, @changeSeq, @name, @path, @tags, @mediaType, @size, @versionId, @versionNo, @sha256,
                 @offline, @updatedAt)
         ON CONFLICT (document_id) DO UPDATE SET change_seq = excluded.change_seq, name = excluded.name,
           path = excluded.path, tags = excluded.tags, media_type = excluded.media_type, size = excluded.size,
           version_id = excluded.version_id, version_no = excluded.version_no, sha256 = excluded.sha256,
           offline = excluded.offline, updated_at = excluded.updated_at,
           cached_version_id = CASE WHEN vault_docs.cached_version_id = excluded.version_id
                                    THEN vault_docs.cached_version_id END,
           fetch_failures = 0, next_fetch_at = 0`,
      )
      .run({
        ...d,
        path: JSON.stringify(d.path),
        tags: JSON.stringify(d.tags),
        offline: d.offline ? 1 : 0,
      });
    this.db.prepare('DELETE FROM vault_removed WHERE document_id = ?').run(d.documentId);
  }

  remove(r: VaultDocRemoved, now: number): void {
    this.db.prepare('DELETE FROM vault_docs WHERE document_id = ?').run(r.documentId);
    this.db
      .prepare(
        `INSERT INTO vault_removed (document_id, change_seq, reason, removed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (document_id) DO UPDATE SET change_seq = excluded.change_seq, reason = excluded.reason,
           removed_at = excluded.removed_at`,
      )
      .run(r.documentId, r.changeSeq, r.reason, now);
  }

  get(documentId: string): StoreVaultDoc | undefined {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM vault_docs WHERE document_id = ?`).get(documentId) as
      | Row
      | undefined;
    return r ? toDoc(r) : undefined;
  }

  /** Every document, by folder path then name. */
  all(): StoreVaultDoc[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM vault_docs ORDER BY path, name COLLATE NOCASE`).all() as Row[]).map(
      toDoc,
    );
  }

  /** The cache holds this version's checked bytes (only if the document still names that version). */
  markCached(documentId: string, versionId: string, now: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE vault_docs SET cached_version_id = ?, cached_at = ?, fetch_failures = 0, next_fetch_at = 0
           WHERE document_id = ? AND version_id = ?`,
        )
        .run(versionId, now, documentId, versionId).changes > 0
    );
  }

  /** Offline documents whose current version is not cached, due for a try, oldest first. */
  duePrefetch(now: number, limit: number): StoreVaultDoc[] {
    return (
      this.db
        .prepare(
          `SELECT ${COLUMNS} FROM vault_docs
           WHERE offline = 1 AND (cached_version_id IS NULL OR cached_version_id <> version_id) AND next_fetch_at <= ?
           ORDER BY next_fetch_at, document_id LIMIT ?`,
        )
        .all(now, limit) as Row[]
    ).map(toDoc);
  }

  /** The earliest time a failed prefetch is due again, or null when none waits. */
  nextPrefetchAt(): number | null {
    const r = this.db
      .prepare(
        `SELECT min(next_fetch_at) AS t FROM vault_docs
         WHERE offline = 1 AND (cached_version_id IS NULL OR cached_version_id <> version_id)`,
      )
      .get() as { t: number | null };
    return r.t;
  }

  fetchFailed(documentId: string, nextAt: number): void {
    this.db
      .prepare('UPDATE vault_docs SET fetch_failures = fetch_failures + 1, next_fetch_at = ? WHERE document_id = ?')
      .run(nextAt, documentId);
  }

  failures(documentId: string): number {
    const r = this.db.prepare('SELECT fetch_failures AS n FROM vault_docs WHERE document_id = ?').get(documentId) as
      | { n: number }
      | undefined;
    return r?.n ?? 0;
  }

  /** Document ids the store still lists (the cache keeps files of these only). */
  ids(): Set<string> {
    return new Set(
      (this.db.prepare('SELECT document_id FROM vault_docs').all() as { document_id: string }[]).map(
        (r) => r.document_id,
      ),
    );
  }
}
