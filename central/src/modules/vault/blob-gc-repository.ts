import type { Queryable } from '../../db/db.js';

/** The SQL of the orphan-blob sweep (blob-gc.ts). */
export const blobGcRepository = {
  /** Which of `keys` a version references, as its content or its thumbnail. */
  async referenced(q: Queryable, keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await q.query<{ key: string }>(
      `SELECT blob_key AS key FROM vault_versions WHERE blob_key = ANY($1::text[])
       UNION
       SELECT thumb_blob_key AS key FROM vault_versions WHERE thumb_blob_key = ANY($1::text[])`,
      [keys],
    );
    return new Set(rows.map((r) => r.key));
  },
};
