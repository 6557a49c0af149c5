import type { Queryable } from '../../db/db.js';
import type { ReviewResponse, ReviewStatus } from './types.js';

/** What votes, reports and responses need of a review, read under its row lock. */
export interface EngagedReview {
  readonly id: string;
  readonly sku: string;
  readonly customerId: string;
  readonly status: ReviewStatus;
  readonly helpful: number;
  readonly unhelpful: number;
  readonly reportsOpen: number;
  readonly createdAt: number;
}

/** What the daily limits count. */
export type EngagementKind = 'VOTE' | 'REPORT';

const RESPONSE_COLUMNS = `body, responder_as AS "as", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The SQL of votes, responses and reports (lane B). */
export class EngagementRepository {
  constructor(readonly q: Queryable) {}

  /** The review (any status) locked FOR UPDATE in the caller's transaction, or undefined. */
  async lockReview(id: string): Promise<EngagedReview | undefined> {
    const { rows } = await this.q.query<EngagedReview>(
      `SELECT id, sku, customer_id AS "customerId", status, helpful, unhelpful, reports_open AS "reportsOpen",
         created_at AS "createdAt"
       FROM reviews WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0];
  }

  /**
   * Takes the customer's (and the store credential's) engagement locks until the caller's transaction ends: their
   * daily counts are read and grown under them, so parallel votes or reports pass no limit. Customer first, store
   * second, always in that order.
   */
  async lockActors(customerId: string, storeId: string | null): Promise<void> {
    await this.q.query(`SELECT pg_advisory_xact_lock(hashtext('reviews.engage.customer:' || $1::uuid::text))`, [
      customerId,
    ]);
    if (storeId !== null)
      await this.q.query(`SELECT pg_advisory_xact_lock(hashtext('reviews.engage.store:' || $1::text))`, [storeId]);
  }

  /** When the customer's votes or reports after `since` were made: the newest `limit`, oldest first. */
  async customerTimes(customerId: string, kind: EngagementKind, since: number, limit: number): Promise<number[]> {
    const { rows } = await this.q.query<{ at: number }>(
      `SELECT at FROM review_engagement_log WHERE customer_id = $1 AND kind = $2 AND at > $3 ORDER BY at DESC LIMIT $4`,
      [customerId, kind, since, limit],
    );
    return rows.map((r) => Number(r.at)).reverse();
  }

  /** When the votes and reports a store credential sent after `since` were made: the newest `limit`, oldest first. */
  async storeTimes(storeId: string, since: number, limit: number): Promise<number[]> {
    const { rows } = await this.q.query<{ at: number }>(
      'SELECT at FROM review_engagement_log WHERE store_id = $1 AND at > $2 ORDER BY at DESC LIMIT $3',
      [storeId, since, limit],
    );
    return rows.map((r) => Number(r.at)).reverse();
  }

  /** Counts a vote or report toward the daily limits. */
  async logEngagement(customerId: string, storeId: string | null, kind: EngagementKind, at: number): Promise<void> {
    await this.q.query('INSERT INTO review_engagement_log (customer_id, store_id, kind, at) VALUES ($1, $2, $3, $4)', [
      customerId,
      storeId,
      kind,
      at,
    ]);
  }

  /** Forgets votes and reports made before `before` (they count toward no limit); returns how many. */
  async pruneEngagement(before: number): Promise<number> {
    const { rowCount } = await this.q.query('DELETE FROM review_engagement_log WHERE at < $1', [before]);
    return rowCount;
  }

  /**
   * Whether an approved review with these counters would be among its product's first `n` by helpful votes then
   * newest (then id, as the store feed orders them): fewer than `n` other approved reviews of the product rank above
   * it. Reads at most `n` rows of the product's helpful index.
   */
  async inTop(
    r: { readonly id: string; readonly sku: string; readonly helpful: number; readonly createdAt: number },
    n: number,
  ): Promise<boolean> {
    const { rows } = await this.q.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM (
         SELECT 1 FROM reviews WHERE sku = $1 AND status = 'APPROVED' AND id <> $2
           AND ((helpful, created_at) > ($3::int, $4::bigint) OR (helpful = $3 AND created_at = $4 AND id < $2))
         LIMIT $5) above`,
      [r.sku, r.id, r.helpful, r.createdAt, n],
    );
    return Number(rows[0]!.n) < n;
  }

  /** Whether the customer has bought anything that gives the verified badge (an order, a carded sale). */
  async hasPurchased(customerId: string): Promise<boolean> {
    const { rows } = await this.q.query('SELECT 1 FROM review_purchases WHERE customer_id = $1 LIMIT 1', [customerId]);
    return rows.length > 0;
  }

  /** Whether the customer has reported the review (open or resolved). */
  async hasReported(reviewId: string, customerId: string): Promise<boolean> {
    const { rows } = await this.q.query('SELECT 1 FROM review_reports WHERE review_id = $1 AND customer_id = $2', [
      reviewId,
      customerId,
    ]);
    return rows.length > 0;
  }

  /** The open reports of the review that count toward sending it to a moderator. */
  async countingReports(reviewId: string): Promise<number> {
    const { rows } = await this.q.query<{ n: number | string }>(
      'SELECT count(*) AS n FROM review_reports WHERE review_id = $1 AND resolved_at IS NULL AND counts',
      [reviewId],
    );
    return Number(rows[0]!.n);
  }

  /** Remembers the status a review had when reports sent it to a moderator ("keep it" restores it). */
  async rememberStatusBeforeReports(reviewId: string, status: ReviewStatus): Promise<void> {
    await this.q.query('UPDATE reviews SET status_before_reports = $2 WHERE id = $1', [reviewId, status]);
  }

  /** The customer's vote on the review (true = helpful), or undefined. */
  async vote(reviewId: string, customerId: string): Promise<boolean | undefined> {
    const { rows } = await this.q.query<{ helpful: boolean }>(
      'SELECT helpful FROM review_votes WHERE review_id = $1 AND customer_id = $2',
      [reviewId, customerId],
    );
    return rows[0]?.helpful;
  }

  /** Records the vote (replacing the customer's earlier one) and moves the review's counters by `dHelpful`, `dUnhelpful`. */
  async putVote(
    reviewId: string,
    customerId: string,
    helpful: boolean,
    at: number,
    dHelpful: number,
    dUnhelpful: number,
  ): Promise<{ helpful: number; unhelpful: number }> {
    await this.q.query(
      `INSERT INTO review_votes (review_id, customer_id, helpful, voted_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (review_id, customer_id) DO UPDATE SET helpful = EXCLUDED.helpful, voted_at = EXCLUDED.voted_at`,
      [reviewId, customerId, helpful, at],
    );
    const { rows } = await this.q.query<{ helpful: number; unhelpful: number }>(
      `UPDATE reviews SET helpful = helpful + $2, unhelpful = unhelpful + $3 WHERE id = $1
       RETURNING helpful, unhelpful`,
      [reviewId, dHelpful, dUnhelpful],
    );
    return rows[0]!;
  }

  /**
   * Records the report (`counts`: whether it counts toward sending the review to a moderator); null when this customer
   * already reported the review. Counts it open on the review (every open report, counting or not); resolves with that.
   */
  async addReport(
    reviewId: string,
    customerId: string,
    reason: string,
    note: string | null,
    at: number,
    counts = true,
  ): Promise<number | null> {
    const added = await this.q.query(
      `INSERT INTO review_reports (review_id, customer_id, reason, note, created_at, counts) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (review_id, customer_id) DO NOTHING`,
      [reviewId, customerId, reason, note, at, counts],
    );
    if (added.rowCount === 0) return null;
    const { rows } = await this.q.query<{ reportsOpen: number }>(
      'UPDATE reviews SET reports_open = reports_open + 1 WHERE id = $1 RETURNING reports_open AS "reportsOpen"',
      [reviewId],
    );
    return rows[0]!.reportsOpen;
  }

  /** Writes the review's response (a new one replaces it, keeping when the first was written). */
  async putResponse(
    reviewId: string,
    body: string,
    responder: string,
    as: string,
    at: number,
  ): Promise<ReviewResponse> {
    const { rows } = await this.q.query<ReviewResponse>(
      `INSERT INTO review_responses (review_id, body, responder, responder_as, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (review_id) DO UPDATE SET body = EXCLUDED.body, responder = EXCLUDED.responder,
         responder_as = EXCLUDED.responder_as, updated_at = EXCLUDED.updated_at
       RETURNING ${RESPONSE_COLUMNS}`,
      [reviewId, body, responder, as, at],
    );
    return rows[0]!;
  }

  /** Removes the review's response; false when it had none. */
  async deleteResponse(reviewId: string): Promise<boolean> {
    const { rowCount } = await this.q.query('DELETE FROM review_responses WHERE review_id = $1', [reviewId]);
    return rowCount > 0;
  }

  /** The response of each review that has one. */
  async responses(reviewIds: readonly string[]): Promise<Map<string, ReviewResponse>> {
    if (reviewIds.length === 0) return new Map();
    const { rows } = await this.q.query<ReviewResponse & { reviewId: string }>(
      `SELECT review_id AS "reviewId", ${RESPONSE_COLUMNS} FROM review_responses WHERE review_id = ANY($1::uuid[])`,
      [reviewIds],
    );
    return new Map(rows.map(({ reviewId, ...r }) => [reviewId, r]));
  }
}
