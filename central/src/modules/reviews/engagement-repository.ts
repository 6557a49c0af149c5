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
}

const RESPONSE_COLUMNS = `body, responder_as AS "as", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The SQL of votes, responses and reports (lane B). */
export class EngagementRepository {
  constructor(readonly q: Queryable) {}

  /** The review (any status) locked FOR UPDATE in the caller's transaction, or undefined. */
  async lockReview(id: string): Promise<EngagedReview | undefined> {
    const { rows } = await this.q.query<EngagedReview>(
      `SELECT id, sku, customer_id AS "customerId", status, helpful, unhelpful, reports_open AS "reportsOpen"
       FROM reviews WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0];
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

  /** Records the report; false when this customer already reported the review. Counts it open on the review. */
  async addReport(
    reviewId: string,
    customerId: string,
    reason: string,
    note: string | null,
    at: number,
  ): Promise<number | null> {
    const added = await this.q.query(
      `INSERT INTO review_reports (review_id, customer_id, reason, note, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (review_id, customer_id) DO NOTHING`,
      [reviewId, customerId, reason, note, at],
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
