import type { Queryable } from '../../db/db.js';
import type { ReportReason } from './engagement.js';
import { reviewAdminView } from './review-view.js';
import { type ReviewRecord, ReviewsRepository } from './reviews-repository.js';
import type { ReviewAdminView, ReviewPhoto, ReviewResponse, ReviewStatus } from './types.js';

/** The queues of the moderation page: waiting for a moderator, refused, reported (open reports). */
export type QueueKind = 'MANUAL_REVIEW' | 'REJECTED' | 'REPORTED';
export const QUEUE_KINDS: readonly QueueKind[] = ['MANUAL_REVIEW', 'REJECTED', 'REPORTED'];

/** An open report of a review, as the moderator reads it (never the reporting customer). */
export interface OpenReport {
  readonly reason: ReportReason;
  readonly note: string | null;
  readonly at: number;
}

/** A review in the queue: what head office sees of it, and its open reports (oldest first). */
export interface ModerationItem extends ReviewAdminView {
  readonly reports: readonly OpenReport[];
}

/** Where a queue page ends: the ordering key (epoch ms) and id of its last review. */
export interface QueueCursor {
  readonly at: number;
  readonly id: string;
}

/** One appended row of `review_moderation_log`. */
export interface ModerationLogEntry {
  readonly reviewId: string;
  readonly action: 'APPROVE' | 'REJECT' | 'RESOLVE_REPORTS';
  readonly from: ReviewStatus;
  readonly to: ReviewStatus;
  readonly actor: string;
  readonly note: string | null;
  readonly at: number;
  /** The revision of the text decided on (training learns from the decision only while the review has it). */
  readonly revision: number;
  /** Why it was refused (REJECT, or reports resolved by removing it); null for the others. */
  readonly reason: RejectReason | null;
}

/** Why a moderator refused a review: training learns "generated" from FAKE only. */
export type RejectReason = 'FAKE' | 'OFFENSIVE' | 'OFF_TOPIC' | 'SPAM' | 'OTHER';
export const REJECT_REASONS: readonly RejectReason[] = ['FAKE', 'OFFENSIVE', 'OFF_TOPIC', 'SPAM', 'OTHER'];

/** Where a queue's reviews' photos and responses come from (the photos' and the engagement's own reads). */
export interface ItemExtras {
  photos(q: Queryable, reviewIds: readonly string[]): Promise<ReadonlyMap<string, ReviewPhoto[]>>;
  responses(q: Queryable, reviewIds: readonly string[]): Promise<ReadonlyMap<string, ReviewResponse>>;
}

/**
 * Each queue as SQL: its rows in order (`at` is the ordering time — the review's creation for MANUAL_REVIEW and
 * REJECTED, its oldest open report for REPORTED; `$2, $3` the cursor when `cursor` is set) and its count. A review the
 * author deleted is in no queue. Each reads a partial index (reviews_queue, reviews_refused, review_reports_open), never
 * every review.
 */
const byStatus = (status: string) => ({
  page: (cursor: boolean) =>
    `SELECT r.id, r.created_at AS at FROM reviews r WHERE r.status = '${status}'
      ${cursor ? 'AND (r.created_at, r.id) > ($2::bigint, $3::uuid)' : ''} ORDER BY r.created_at, r.id LIMIT $1`,
  count: `SELECT count(*) FROM reviews WHERE status = '${status}'`,
});
// shown reviews with open reports and those the reports sent to a moderator; never a fraud hold or a refused review
const OPEN_REPORTS = `FROM review_reports rr JOIN reviews r ON r.id = rr.review_id
  WHERE rr.resolved_at IS NULL
    AND (r.status = 'APPROVED' OR (r.status = 'MANUAL_REVIEW' AND r.status_before_reports IS NOT NULL))`;
const QUEUE_SQL: Record<QueueKind, { page: (cursor: boolean) => string; count: string }> = {
  MANUAL_REVIEW: byStatus('MANUAL_REVIEW'),
  REJECTED: byStatus('REJECTED'),
  REPORTED: {
    page: (cursor) =>
      `SELECT rr.review_id AS id, min(rr.created_at) AS at ${OPEN_REPORTS} GROUP BY rr.review_id
        ${cursor ? 'HAVING (min(rr.created_at), rr.review_id) > ($2::bigint, $3::uuid)' : ''} ORDER BY 2, 1 LIMIT $1`,
    count: `SELECT count(DISTINCT rr.review_id) ${OPEN_REPORTS}`,
  },
};

const num = (v: number | string) => Number(v);

/** The SQL of the moderation queue and its decisions (lane E); rows → camelCase DTOs. */
export class ModerationRepository {
  constructor(readonly q: Queryable) {}

  /** One page of a queue, oldest first, after `after`; one more row than `limit` tells whether there is a next page. */
  async page(kind: QueueKind, limit: number, after: QueueCursor | null): Promise<{ id: string; at: number }[]> {
    const { rows } = await this.q.query<{ id: string; at: number | string }>(
      QUEUE_SQL[kind].page(after !== null),
      after ? [limit, after.at, after.id] : [limit],
    );
    return rows.map((r) => ({ id: r.id, at: num(r.at) }));
  }

  /** How many reviews each queue holds. */
  async counts(): Promise<Record<QueueKind, number>> {
    const { rows } = await this.q.query<Record<QueueKind, number | string>>(
      `SELECT (${QUEUE_SQL.MANUAL_REVIEW.count}) AS "MANUAL_REVIEW", (${QUEUE_SQL.REJECTED.count}) AS "REJECTED",
              (${QUEUE_SQL.REPORTED.count}) AS "REPORTED"`,
    );
    const c = rows[0]!;
    return { MANUAL_REVIEW: num(c.MANUAL_REVIEW), REJECTED: num(c.REJECTED), REPORTED: num(c.REPORTED) };
  }

  /**
   * The reviews `ids` as the moderator sees them, in the order of `ids` (ids with no row left out): head office's view
   * of each (review-view.ts's `reviewAdminView`, the same as every other admin answer) and its open reports.
   */
  async items(ids: readonly string[], extras: ItemExtras): Promise<ModerationItem[]> {
    if (ids.length === 0) return [];
    const reviews = new ReviewsRepository(this.q);
    const records: ReviewRecord[] = [];
    // one primary-key read each (a page is at most 100): the row mapping stays reviews-repository.ts's
    for (const id of ids) {
      const r = await reviews.get(id);
      if (r) records.push(r);
    }
    const shown = records.map((r) => r.id);
    const [photos, responses, reports] = await Promise.all([
      extras.photos(this.q, shown),
      extras.responses(this.q, shown),
      this.q.query<{ review_id: string; reason: ReportReason; note: string | null; created_at: number | string }>(
        `SELECT review_id, reason, note, created_at FROM review_reports
          WHERE review_id = ANY($1::uuid[]) AND resolved_at IS NULL ORDER BY created_at, customer_id`,
        [shown],
      ),
    ]);
    const reportsOf = new Map<string, OpenReport[]>();
    for (const p of reports.rows) {
      const list = reportsOf.get(p.review_id) ?? [];
      list.push({ reason: p.reason, note: p.note, at: num(p.created_at) });
      reportsOf.set(p.review_id, list);
    }
    return records.map((r) => ({
      ...reviewAdminView(r, { photos, responses }),
      reports: reportsOf.get(r.id) ?? [],
    }));
  }

  /** The status the review had when reports sent it to a moderator (null: reports did not queue it). */
  async statusBeforeReports(reviewId: string): Promise<ReviewStatus | null> {
    const { rows } = await this.q.query<{ s: ReviewStatus | null }>(
      'SELECT status_before_reports AS s FROM reviews WHERE id = $1',
      [reviewId],
    );
    return rows[0]?.s ?? null;
  }

  /**
   * Records who decided, when and why on the review itself (the last decision), in the caller's transaction; a decided
   * review is no longer held for its reports (the status before them forgotten).
   */
  async markModerated(reviewId: string, actor: string, note: string | null, at: number): Promise<void> {
    await this.q.query(
      `UPDATE reviews SET moderated_by = $2, moderated_at = $3, moderator_note = $4, status_before_reports = NULL
       WHERE id = $1`,
      [reviewId, actor, at, note],
    );
  }

  /** Closes the review's open reports; resolves with how many were open. */
  async resolveReports(reviewId: string, actor: string, at: number): Promise<number> {
    const { rowCount } = await this.q.query(
      `UPDATE review_reports SET resolved_at = $2, resolved_by = $3 WHERE review_id = $1 AND resolved_at IS NULL`,
      [reviewId, at, actor],
    );
    await this.q.query(`UPDATE reviews SET reports_open = 0 WHERE id = $1`, [reviewId]);
    return rowCount;
  }

  /** How many reports of the review are open (read in the caller's transaction, under the review's lock). */
  async openReports(reviewId: string): Promise<number> {
    const { rows } = await this.q.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM review_reports WHERE review_id = $1 AND resolved_at IS NULL`,
      [reviewId],
    );
    return num(rows[0]!.n);
  }

  /** Appends a decision to `review_moderation_log` (never updated or deleted: retraining learns from it). */
  async log(e: ModerationLogEntry): Promise<void> {
    await this.q.query(
      `INSERT INTO review_moderation_log (review_id, action, from_status, to_status, actor, note, at, revision, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.reviewId, e.action, e.from, e.to, e.actor, e.note, e.at, e.revision, e.reason],
    );
  }
}
