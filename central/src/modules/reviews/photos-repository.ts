import type { Queryable } from '../../db/db.js';

/** One `review_photos` row. */
export interface PhotoRow {
  readonly id: string;
  readonly customerId: string;
  readonly reviewId: string | null;
  readonly position: number | null;
  readonly blobKey: string;
  readonly mediaType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly createdAt: number;
}

const COLUMNS = `id, customer_id AS "customerId", review_id AS "reviewId", position, blob_key AS "blobKey",
  media_type AS "mediaType", size, width, height, created_at AS "createdAt"`;

/** The SQL of review photos (lane B). */
export class PhotosRepository {
  constructor(readonly q: Queryable) {}

  async insert(p: PhotoRow): Promise<void> {
    await this.q.query(
      `INSERT INTO review_photos (id, customer_id, review_id, position, blob_key, media_type, size, width, height,
         created_at) VALUES ($1, $2, NULL, NULL, $3, $4, $5, $6, $7, $8)`,
      [p.id, p.customerId, p.blobKey, p.mediaType, p.size, p.width, p.height, p.createdAt],
    );
  }

  /** Takes the customer's upload lock until the caller's transaction ends (their quota is read and kept under it). */
  async lockCustomer(customerId: string): Promise<void> {
    await this.q.query(`SELECT pg_advisory_xact_lock(hashtext('reviews.photos.customer:' || $1::uuid::text))`, [
      customerId,
    ]);
  }

  /**
   * Takes the blob key's lock until the caller's transaction ends: an upload writes its row under it, the sweep checks
   * that no row names the key and removes the blob under it, so neither loses the other's bytes.
   */
  async lockBlob(key: string): Promise<void> {
    await this.q.query(`SELECT pg_advisory_xact_lock(hashtext('reviews.photos.blob:' || $1::text))`, [key]);
  }

  /** When the customer's photos on no review uploaded after `since` were uploaded: the newest `limit`, oldest first. */
  async unusedTimes(customerId: string, since: number, limit: number): Promise<number[]> {
    const { rows } = await this.q.query<{ at: number }>(
      `SELECT created_at AS at FROM review_photos WHERE customer_id = $1 AND review_id IS NULL AND created_at > $2
       ORDER BY created_at DESC LIMIT $3`,
      [customerId, since, limit],
    );
    return rows.map((r) => Number(r.at)).reverse();
  }

  /** The rows of `ids` that exist, locked (FOR UPDATE) in the caller's transaction. */
  async lockMany(ids: readonly string[]): Promise<Map<string, PhotoRow>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.q.query<PhotoRow>(
      `SELECT ${COLUMNS} FROM review_photos WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Lets go of the review's photos not in `keep`; puts `ordered` on it at positions 0, 1, … */
  async place(reviewId: string, ordered: readonly string[]): Promise<void> {
    await this.q.query(
      `UPDATE review_photos SET review_id = NULL, position = NULL WHERE review_id = $1 AND NOT (id = ANY($2::uuid[]))`,
      [reviewId, ordered],
    );
    if (ordered.length === 0) return;
    await this.q.query(
      `UPDATE review_photos p SET review_id = $1, position = o.pos - 1
       FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, pos) WHERE p.id = o.id`,
      [reviewId, ordered],
    );
  }

  /** The photos on each review, in order. */
  async ofReviews(reviewIds: readonly string[]): Promise<PhotoRow[]> {
    if (reviewIds.length === 0) return [];
    const { rows } = await this.q.query<PhotoRow>(
      `SELECT ${COLUMNS} FROM review_photos WHERE review_id = ANY($1::uuid[]) ORDER BY review_id, position`,
      [reviewIds],
    );
    return rows;
  }

  /** The photo and the status of the review it is on (null when on none). */
  async withReviewStatus(id: string): Promise<(PhotoRow & { reviewStatus: string | null }) | undefined> {
    const { rows } = await this.q.query<PhotoRow & { reviewStatus: string | null }>(
      `SELECT p.id, p.customer_id AS "customerId", p.review_id AS "reviewId", p.position, p.blob_key AS "blobKey",
         p.media_type AS "mediaType", p.size, p.width, p.height, p.created_at AS "createdAt", r.status AS "reviewStatus"
       FROM review_photos p LEFT JOIN reviews r ON r.id = p.review_id WHERE p.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** Up to `limit` photos on no review created before `before` (the sweep's). */
  async unusedBefore(before: number, limit: number): Promise<{ id: string; blobKey: string }[]> {
    const { rows } = await this.q.query<{ id: string; blobKey: string }>(
      `SELECT id, blob_key AS "blobKey" FROM review_photos WHERE review_id IS NULL AND created_at < $1
       ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows;
  }

  /** Deletes the rows (only those still on no review); returns the ids deleted. */
  async deleteUnused(ids: readonly string[]): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      'DELETE FROM review_photos WHERE id = ANY($1::uuid[]) AND review_id IS NULL RETURNING id',
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** The keys of `keys` that some row still names. */
  async keysInUse(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await this.q.query<{ k: string }>(
      'SELECT DISTINCT blob_key AS k FROM review_photos WHERE blob_key = ANY($1::text[])',
      [keys],
    );
    return new Set(rows.map((r) => r.k));
  }
}
