import type { Queryable } from '../../db/db.js';
import type { ReportReason } from './engagement.js';
import type { FraudReasonEntry, ReviewAdminView, ReviewPhoto, ReviewStatus } from './types.js';

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
const OPEN_REPORTS = `FROM review_reports rr JOIN reviews r ON r.id = rr.review_id
  WHERE rr.resolved_at IS NULL AND r.status <> 'DELETED'`;
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

interface ReviewDbRow {
  id: string;
  sku: string;
  customer_id: string;
  rating: number;
  title: string;
  body: string;
  author_name: string;
  status: ReviewStatus;
  verified: boolean;
  helpful: number;
  unhelpful: number;
  reports_open: number;
  fraud_score: number;
  fraud_reasons: FraudReasonEntry[] | string;
  model_version: number | null;
  client_ip: string | null;
  device_id: string | null;
  revision: number;
  created_at: number | string;
  updated_at: number | string;
  moderated_by: string | null;
  moderated_at: number | string | null;
  moderator_note: string | null;
}

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

  /** The reviews `ids` as the moderator sees them, in the order of `ids` (ids with no row left out). */
  async items(ids: readonly string[]): Promise<ModerationItem[]> {
    if (ids.length === 0) return [];
    const [reviews, photos, responses, reports] = await Promise.all([
      this.q.query<ReviewDbRow>(`SELECT * FROM reviews WHERE id = ANY($1::uuid[])`, [ids]),
      this.q.query<{
        id: string;
        review_id: string;
        media_type: string;
        size: number;
        width: number | null;
        height: number | null;
      }>(
        `SELECT id, review_id, media_type, size, width, height FROM review_photos
          WHERE review_id = ANY($1::uuid[]) ORDER BY review_id, position, created_at`,
        [ids],
      ),
      this.q.query<{
        review_id: string;
        body: string;
        responder_as: string;
        created_at: number | string;
        updated_at: number | string;
      }>(
        `SELECT review_id, body, responder_as, created_at, updated_at FROM review_responses WHERE review_id = ANY($1::uuid[])`,
        [ids],
      ),
      this.q.query<{ review_id: string; reason: ReportReason; note: string | null; created_at: number | string }>(
        `SELECT review_id, reason, note, created_at FROM review_reports
          WHERE review_id = ANY($1::uuid[]) AND resolved_at IS NULL ORDER BY created_at, customer_id`,
        [ids],
      ),
    ]);
    const photosOf = group(photos.rows, (p) => p.review_id);
    const reportsOf = group(reports.rows, (p) => p.review_id);
    const responseOf = new Map(responses.rows.map((r) => [r.review_id, r]));
    const byId = new Map(reviews.rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      const response = responseOf.get(id);
      const item: ModerationItem = {
        id: r.id,
        sku: r.sku,
        rating: r.rating,
        title: r.title,
        body: r.body,
        author: r.author_name,
        status: r.status,
        verified: r.verified,
        photos: (photosOf.get(id) ?? []).map(
          (p): ReviewPhoto => ({
            id: p.id,
            mediaType: p.media_type,
            size: p.size,
            width: p.width,
            height: p.height,
            url: `/api/reviews/photos/${p.id}`,
          }),
        ),
        helpful: r.helpful,
        unhelpful: r.unhelpful,
        response: response
          ? {
              body: response.body,
              as: response.responder_as,
              createdAt: num(response.created_at),
              updatedAt: num(response.updated_at),
            }
          : null,
        revision: r.revision,
        createdAt: num(r.created_at),
        updatedAt: num(r.updated_at),
        customerId: r.customer_id,
        fraud: {
          // a real (float4): 0.7 reads back as 0.699999988
          score: Math.round(r.fraud_score * 10_000) / 10_000,
          reasons: typeof r.fraud_reasons === 'string' ? JSON.parse(r.fraud_reasons) : r.fraud_reasons,
          modelVersion: r.model_version,
        },
        client: { ip: r.client_ip, deviceId: r.device_id },
        reportsOpen: r.reports_open,
        moderation:
          r.moderated_by !== null && r.moderated_at !== null
            ? { by: r.moderated_by, at: num(r.moderated_at), note: r.moderator_note }
            : null,
        reports: (reportsOf.get(id) ?? []).map((p) => ({ reason: p.reason, note: p.note, at: num(p.created_at) })),
      };
      return [item];
    });
  }

  /** Records who decided, when and why on the review itself (the last decision), in the caller's transaction. */
  async markModerated(reviewId: string, actor: string, note: string | null, at: number): Promise<void> {
    await this.q.query(`UPDATE reviews SET moderated_by = $2, moderated_at = $3, moderator_note = $4 WHERE id = $1`, [
      reviewId,
      actor,
      at,
      note,
    ]);
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
      `INSERT INTO review_moderation_log (review_id, action, from_status, to_status, actor, note, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [e.reviewId, e.action, e.from, e.to, e.actor, e.note, e.at],
    );
  }
}

function group<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}
