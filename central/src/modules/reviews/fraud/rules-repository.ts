import type { Queryable } from '../../../db/db.js';
import type { FraudReasonEntry } from '../types.js';
import { type lshBuckets, signatureBytes, signatureFromBytes } from './minhash.js';

/** How many reviews, and by how many customers other than the one being scored. */
export interface Tally {
  readonly reviews: number;
  readonly otherCustomers: number;
}

/** Candidates for near-duplicates read at most (most shared bands first): a generic text may share buckets widely. */
export const MAX_CANDIDATES = 20;
/**
 * Rows read per bucket at most: a text thousands of customers wrote ("Great product!") fills a bucket, and the read
 * must stay bounded (32 × 50 rows) to keep the score well under 500 ms.
 */
export const PER_BUCKET = 50;

/**
 * The fraud rules' reads and the LSH index's writes (lane D). Every read is one indexed range: reviews_client_ip,
 * reviews_device, reviews_customer, reviews_product_extreme (004_fraud.sql), review_text_buckets' primary key. Counts
 * are of every review written, whatever its status (a refused or deleted review was still written). `exclude` is the
 * review being edited (its own earlier row is not a second review).
 */
export class FraudRulesRepository {
  constructor(readonly q: Queryable) {}

  /**
   * Serializes the caller's transaction (until it ends) with every other scoring from the same client address, the
   * same device, or of a text sharing an LSH bucket: taken before counting, so parallel submits of one burst or one
   * copied text see each other. Always in one order — address, device, buckets ascending — so two scorings never wait
   * for each other in a cycle. Outside a transaction each lock is let go at once (harmless).
   */
  async lockSources(ip: string | null, deviceId: string | null, buckets: ReturnType<typeof lshBuckets>): Promise<void> {
    const keys: string[] = [];
    if (ip) keys.push(`reviews.ip:${ip}`);
    if (deviceId) keys.push(`reviews.device:${deviceId}`);
    if (keys.length > 0)
      await this.q.query(
        'SELECT pg_advisory_xact_lock(hashtextextended(k.key, 0))' +
          ' FROM (SELECT u.key FROM unnest($1::text[]) WITH ORDINALITY AS u(key, n) ORDER BY u.n) k',
        [keys],
      );
    if (buckets.length > 0)
      await this.q.query(
        'SELECT pg_advisory_xact_lock(b.bucket) FROM (SELECT DISTINCT bucket FROM unnest($1::bigint[]) AS u(bucket) ORDER BY bucket) b',
        [buckets.map((b) => b.bucket)],
      );
  }

  /** Where and when a stored review was last written from (the burst window of `holdAccomplices`). */
  async source(
    reviewId: string,
  ): Promise<{ ip: string | null; deviceId: string | null; at: number; status: string } | undefined> {
    const { rows } = await this.q.query<{
      client_ip: string | null;
      device_id: string | null;
      at: string;
      status: string;
    }>('SELECT client_ip, device_id, updated_at AS at, status FROM reviews WHERE id = $1', [reviewId]);
    const r = rows[0];
    return r && { ip: r.client_ip, deviceId: r.device_id, at: Number(r.at), status: r.status };
  }

  /** Approved reviews (other than `exclude`) first written from the address since `since`, ids ascending. */
  async approvedFromIp(ip: string, since: number, exclude: string): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id FROM reviews WHERE client_ip = $1 AND created_at >= $2 AND id <> $3 AND status = 'APPROVED' ORDER BY id`,
      [ip, since, exclude],
    );
    return rows.map((r) => r.id);
  }

  /** Approved reviews (other than `exclude`) first written from the device since `since`, ids ascending. */
  async approvedFromDevice(deviceId: string, since: number, exclude: string): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id FROM reviews WHERE device_id = $1 AND created_at >= $2 AND id <> $3 AND status = 'APPROVED' ORDER BY id`,
      [deviceId, since, exclude],
    );
    return rows.map((r) => r.id);
  }

  /** The review's status and stored reasons, its row locked (FOR UPDATE) for the caller's transaction. */
  async reasonsOf(reviewId: string): Promise<{ status: string; reasons: FraudReasonEntry[] } | undefined> {
    const { rows } = await this.q.query<{ status: string; fraud_reasons: FraudReasonEntry[] | string }>(
      'SELECT status, fraud_reasons FROM reviews WHERE id = $1 FOR UPDATE',
      [reviewId],
    );
    const r = rows[0];
    if (!r) return undefined;
    const reasons = typeof r.fraud_reasons === 'string' ? JSON.parse(r.fraud_reasons) : r.fraud_reasons;
    return { status: r.status, reasons: reasons as FraudReasonEntry[] };
  }

  /** Replaces the review's stored reasons and score (the status is the caller's, through ReviewsRepository). */
  async setReasons(reviewId: string, score: number, reasons: readonly FraudReasonEntry[]): Promise<void> {
    await this.q.query('UPDATE reviews SET fraud_score = $2, fraud_reasons = $3::jsonb WHERE id = $1', [
      reviewId,
      score,
      JSON.stringify(reasons),
    ]);
  }

  async byIp(ip: string, since: number, exclude: string | null, customerId: string): Promise<Tally> {
    return this.#tally(
      'SELECT count(*)::int AS reviews, count(DISTINCT customer_id) FILTER (WHERE customer_id <> $4)::int AS others FROM reviews ' +
        'WHERE client_ip = $1 AND created_at >= $2 AND id IS DISTINCT FROM $3',
      [ip, since, exclude, customerId],
    );
  }

  async byDevice(deviceId: string, since: number, exclude: string | null, customerId: string): Promise<Tally> {
    return this.#tally(
      'SELECT count(*)::int AS reviews, count(DISTINCT customer_id) FILTER (WHERE customer_id <> $4)::int AS others FROM reviews ' +
        'WHERE device_id = $1 AND created_at >= $2 AND id IS DISTINCT FROM $3',
      [deviceId, since, exclude, customerId],
    );
  }

  /** The customer's reviews ever written: how many, their lowest and highest rating. */
  async ofCustomer(customerId: string, exclude: string | null): Promise<{ n: number; min: number; max: number }> {
    const { rows } = await this.q.query<{ n: number; min: number | null; max: number | null }>(
      'SELECT count(*)::int AS n, min(rating)::int AS min, max(rating)::int AS max FROM reviews ' +
        'WHERE customer_id = $1 AND id IS DISTINCT FROM $2',
      [customerId, exclude],
    );
    const r = rows[0];
    return { n: Number(r?.n ?? 0), min: Number(r?.min ?? 0), max: Number(r?.max ?? 0) };
  }

  /** Reviews of `sku` with exactly `rating` stars (1 or 5) written since `since`. */
  async extremeOfProduct(sku: string, rating: number, since: number, exclude: string | null): Promise<number> {
    const { rows } = await this.q.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM reviews ' +
        'WHERE sku = $1 AND rating = $2 AND created_at >= $3 AND rating IN (1, 5) AND id IS DISTINCT FROM $4',
      [sku, rating, since, exclude],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Other customers' reviews sharing an LSH bucket with `buckets`, the most shared bands first (at most
   * MAX_CANDIDATES), each with its signature.
   */
  async candidates(
    buckets: ReturnType<typeof lshBuckets>,
    customerId: string,
  ): Promise<{ reviewId: string; signature: Uint32Array }[]> {
    if (buckets.length === 0) return [];
    const { rows } = await this.q.query<{ review_id: string; signature: Uint8Array }>(
      'SELECT c.review_id, s.signature FROM (' +
        ' SELECT x.review_id, count(*) AS shared FROM unnest($1::smallint[], $2::bigint[]) AS k(band, bucket)' +
        ' CROSS JOIN LATERAL (SELECT b.review_id FROM review_text_buckets b' +
        '  WHERE b.band = k.band AND b.bucket = k.bucket AND b.customer_id <> $3 LIMIT $5) x' +
        ' GROUP BY x.review_id ORDER BY shared DESC, x.review_id LIMIT $4' +
        ') c JOIN review_signatures s ON s.review_id = c.review_id ORDER BY c.shared DESC, c.review_id',
      [buckets.map((b) => b.band), buckets.map((b) => b.bucket), customerId, MAX_CANDIDATES, PER_BUCKET],
    );
    return rows.map((r) => ({ reviewId: r.review_id, signature: signatureFromBytes(r.signature) }));
  }

  /** Replaces the review's buckets and signature (an empty signature: none kept). */
  async remember(
    reviewId: string,
    customerId: string,
    signature: Uint32Array,
    buckets: ReturnType<typeof lshBuckets>,
  ): Promise<void> {
    await this.q.query('DELETE FROM review_text_buckets WHERE review_id = $1', [reviewId]);
    if (buckets.length === 0) {
      await this.q.query('DELETE FROM review_signatures WHERE review_id = $1', [reviewId]);
      return;
    }
    await this.q.query(
      'INSERT INTO review_text_buckets (band, bucket, review_id, customer_id)' +
        ' SELECT k.band, k.bucket, $3, $4 FROM unnest($1::smallint[], $2::bigint[]) AS k(band, bucket)' +
        ' ON CONFLICT DO NOTHING',
      [buckets.map((b) => b.band), buckets.map((b) => b.bucket), reviewId, customerId],
    );
    await this.q.query(
      'INSERT INTO review_signatures (review_id, signature) VALUES ($1, $2)' +
        ' ON CONFLICT (review_id) DO UPDATE SET signature = EXCLUDED.signature',
      [reviewId, Buffer.from(signatureBytes(signature).buffer)],
    );
  }

  async #tally(sql: string, params: readonly unknown[]): Promise<Tally> {
    const { rows } = await this.q.query<{ reviews: number; others: number }>(sql, params);
    return { reviews: Number(rows[0]?.reviews ?? 0), otherCustomers: Number(rows[0]?.others ?? 0) };
  }
}
