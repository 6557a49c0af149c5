import type { Queryable } from '../../db/db.js';

/** A version whose content or thumbnail data key is wrapped by a master key other than the current one. */
export interface StaleVersion {
  readonly id: string;
  readonly blobKey: string;
  readonly wrappedKey: Buffer;
  readonly kekId: string;
  readonly thumb: { readonly blobKey: string; readonly wrappedKey: Buffer; readonly kekId: string } | null;
}

/** Which data key of a version: its content's or its thumbnail's. */
export type WrappedKeyOf = 'content' | 'thumb';
/** The columns of each (a fixed list: these names go into the SQL text, nothing else does). */
const WRAPPED_KEY_COLUMNS = {
  content: ['wrapped_key', 'kek_id'],
  thumb: ['thumb_wrapped_key', 'thumb_kek_id'],
} as const satisfies Record<WrappedKeyOf, readonly [string, string]>;

/** The SQL of master-key rotation (keys.ts): counts per key and the re-wrap job's batches. */
export const keysRepository = {
  /**
   * Both counts in one statement, so they agree: how many versions each master key wraps, and how many still wait for
   * the re-wrap (two queries could straddle a re-wrap batch's commit and show 7 under the old key with none pending).
   */
  async usage(q: Queryable, currentKek: string): Promise<{ byKek: Map<string, number>; pending: number }> {
    const { rows } = await q.query<{ kek_id: string | null; n: number; pending: number }>(
      `WITH v AS (SELECT kek_id, thumb_kek_id FROM vault_versions)
       SELECT kek_id, count(*)::int AS n, NULL::int AS pending FROM v GROUP BY kek_id
       UNION ALL
       SELECT NULL, 0, count(*)::int FROM v WHERE kek_id <> $1 OR (thumb_kek_id IS NOT NULL AND thumb_kek_id <> $1)`,
      [currentKek],
    );
    const byKek = new Map<string, number>();
    let pending = 0;
    for (const r of rows) {
      if (r.kek_id === null) pending = Number(r.pending);
      else byKek.set(r.kek_id, Number(r.n));
    }
    return { byKek, pending };
  },

  /** Versions with a data key (content or thumbnail) not yet under `currentKek`. */
  async pendingCount(q: Queryable, currentKek: string): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM vault_versions
        WHERE kek_id <> $1 OR (thumb_kek_id IS NOT NULL AND thumb_kek_id <> $1)`,
      [currentKek],
    );
    return Number(rows[0]?.n ?? 0);
  },

  /** The next `limit` such versions after id `after` (in id order, so a version that cannot be re-wrapped is passed). */
  async stale(q: Queryable, currentKek: string, after: string | null, limit: number): Promise<StaleVersion[]> {
    const { rows } = await q.query<{
      id: string;
      blob_key: string;
      wrapped_key: Buffer;
      kek_id: string;
      thumb_blob_key: string | null;
      thumb_wrapped_key: Buffer | null;
      thumb_kek_id: string | null;
    }>(
      `SELECT id, blob_key, wrapped_key, kek_id, thumb_blob_key, thumb_wrapped_key, thumb_kek_id FROM vault_versions
        WHERE (kek_id <> $1 OR (thumb_kek_id IS NOT NULL AND thumb_kek_id <> $1))
          AND ($2::uuid IS NULL OR id > $2::uuid)
        ORDER BY id LIMIT $3`,
      [currentKek, after, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      blobKey: r.blob_key,
      wrappedKey: Buffer.from(r.wrapped_key),
      kekId: r.kek_id,
      thumb:
        r.thumb_blob_key && r.thumb_wrapped_key && r.thumb_kek_id
          ? { blobKey: r.thumb_blob_key, wrappedKey: Buffer.from(r.thumb_wrapped_key), kekId: r.thumb_kek_id }
          : null,
    }));
  },

  /**
   * Puts a re-wrapped data key (the content's or the thumbnail's) in place, only if the row still holds the key it was
   * read with (another replica's run, or a change since, wins). True when it changed the row.
   */
  async setWrappedKey(
    q: Queryable,
    id: string,
    which: WrappedKeyOf,
    was: Buffer,
    to: { wrappedKey: Buffer; kekId: string },
  ): Promise<boolean> {
    if (!Object.hasOwn(WRAPPED_KEY_COLUMNS, which)) throw new RangeError(`no data key of a version is called ${which}`);
    const [wrappedCol, kekCol] = WRAPPED_KEY_COLUMNS[which];
    const r = await q.query(
      `UPDATE vault_versions SET ${wrappedCol} = $2, ${kekCol} = $3 WHERE id = $1 AND ${wrappedCol} = $4`,
      [id, to.wrappedKey, to.kekId, was],
    );
    return (r.rowCount ?? 0) > 0;
  },
};
