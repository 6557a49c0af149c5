import type { Queryable } from '../../db/db.js';
import type { SealedRef } from './sealed-store.js';
import type { VaultScanState } from './types.js';

/** A version as the processing job reads it: where its content is, what it is, and what was already done. */
export interface VersionToProcess {
  readonly id: string;
  readonly documentId: string;
  readonly documentName: string;
  readonly versionNo: number;
  readonly size: number;
  readonly mediaType: string;
  readonly content: SealedRef;
  readonly scanState: VaultScanState;
  readonly hasThumbnail: boolean;
  /** Whether it is the version the document shows (a quarantined current version leaves the stores' copies). */
  readonly current: boolean;
}

interface VersionRow {
  id: string;
  document_id: string;
  name: string;
  version_no: number;
  size: number;
  media_type: string;
  blob_key: string;
  wrapped_key: Buffer | Uint8Array;
  kek_id: string;
  scan_state: VaultScanState;
  has_thumbnail: boolean;
  current: boolean;
}

/** All SQL of the after-upload processing (scan verdicts and thumbnails on `vault_versions`). */
export class ProcessingRepository {
  async version(q: Queryable, versionId: string): Promise<VersionToProcess | null> {
    const { rows } = await q.query<VersionRow>(
      `SELECT v.id, v.document_id, n.name, v.version_no, v.size, v.media_type, v.blob_key, v.wrapped_key, v.kek_id,
              v.scan_state, v.thumb_blob_key IS NOT NULL AS has_thumbnail, n.current_version_id = v.id AS current
       FROM vault_versions v JOIN vault_nodes n ON n.id = v.document_id
       WHERE v.id = $1`,
      [versionId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      documentId: r.document_id,
      documentName: r.name,
      versionNo: Number(r.version_no),
      size: Number(r.size),
      mediaType: r.media_type,
      content: { blobKey: r.blob_key, wrappedKey: Buffer.from(r.wrapped_key), kekId: r.kek_id },
      scanState: r.scan_state,
      hasThumbnail: r.has_thumbnail,
      current: r.current === true,
    };
  }

  /** Versions still waiting for their scan, oldest first, a page at a time (`after` = the last id of the page before). */
  async pending(q: Queryable, after: string | null, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM vault_versions WHERE scan_state = 'PENDING' AND ($1::uuid IS NULL OR id > $1)
       ORDER BY id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Records the scan's outcome once: only a version still PENDING changes, so a second run (a retry, another hub)
   * changes nothing and is told so (false).
   */
  async recordVerdict(
    q: Queryable,
    versionId: string,
    state: 'CLEAN' | 'INFECTED' | 'UNSCANNED',
    detail: string | null,
  ): Promise<boolean> {
    const r = await q.query(
      `UPDATE vault_versions SET scan_state = $2, scan_detail = $3 WHERE id = $1 AND scan_state = 'PENDING'`,
      [versionId, state, detail],
    );
    return r.rowCount === 1;
  }

  /** Why a version could not be read (a tampered blob): it stays PENDING, never served to stores. */
  async recordStuck(q: Queryable, versionId: string, detail: string): Promise<void> {
    await q.query(`UPDATE vault_versions SET scan_detail = $2 WHERE id = $1 AND scan_state = 'PENDING'`, [
      versionId,
      detail,
    ]);
  }

  async recordThumbnail(q: Queryable, versionId: string, thumb: SealedRef): Promise<void> {
    await q.query(
      `UPDATE vault_versions SET thumb_blob_key = $2, thumb_wrapped_key = $3, thumb_kek_id = $4
       WHERE id = $1 AND thumb_blob_key IS NULL`,
      [versionId, thumb.blobKey, thumb.wrappedKey, thumb.kekId],
    );
  }

  /** A change the stores' copies follow (their current version quarantined): bumps the document's change_seq. */
  async bumpDocument(q: Queryable, documentId: string): Promise<void> {
    await q.query(`UPDATE vault_nodes SET change_seq = change_seq + 1 WHERE id = $1`, [documentId]);
  }
}
