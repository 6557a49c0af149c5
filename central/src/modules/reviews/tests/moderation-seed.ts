import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/db.js';
import { ReviewsRepository } from '../reviews-repository.js';

/** A review as the moderation tests seed it (straight into the table, as if scored and routed on submit). */
export interface SeedReview {
  readonly sku: string;
  readonly status: 'APPROVED' | 'MANUAL_REVIEW' | 'REJECTED' | 'DELETED';
  readonly rating?: number;
  readonly title?: string;
  readonly body?: string;
  readonly author?: string;
  readonly verified?: boolean;
  readonly score?: number;
  readonly reasons?: readonly { code: string; weight: number; detail: string }[];
  /** Epoch ms. */
  readonly createdAt: number;
  /** Open reports of other customers (reason, note, epoch ms). */
  readonly reports?: readonly { reason: string; note?: string | null; at: number; resolved?: boolean }[];
  /** The status before open reports sent it to a moderator (as the report that queues it records it). */
  readonly beforeReports?: 'APPROVED';
}

/**
 * Inserts `r` (and its reports) and resolves with its id. An APPROVED review is inserted waiting and then shown through
 * `ReviewsRepository.changeStatus`, so its product's summary counts it as the hub's own writes would.
 */
export async function seedReview(q: Db, r: SeedReview): Promise<string> {
  const id = randomUUID();
  await q.query(
    `INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, verified, fraud_score,
                          fraud_reasons, client_ip, device_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, '203.0.113.7', 'kiosk-1', $12, $12)`,
    [
      id,
      r.sku,
      randomUUID(),
      r.rating ?? 4,
      r.title ?? 'Decent mug',
      r.body ?? 'Holds coffee, keeps it warm for a while.',
      r.author ?? 'Ana P.',
      r.status === 'APPROVED' ? 'MANUAL_REVIEW' : r.status,
      r.verified ?? false,
      r.score ?? 0.6,
      JSON.stringify(
        r.reasons ?? [{ code: 'UNVERIFIED', weight: 0.2, detail: 'No purchase of MUG by this customer.' }],
      ),
      r.createdAt,
    ],
  );
  const open = (r.reports ?? []).filter((p) => !p.resolved).length;
  for (const p of r.reports ?? [])
    await q.query(
      `INSERT INTO review_reports (review_id, customer_id, reason, note, created_at, resolved_at, resolved_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, randomUUID(), p.reason, p.note ?? null, p.at, p.resolved ? p.at + 1 : null, p.resolved ? 'someone' : null],
    );
  if (open) await q.query(`UPDATE reviews SET reports_open = $2 WHERE id = $1`, [id, open]);
  if (r.beforeReports)
    await q.query(`UPDATE reviews SET status_before_reports = $2 WHERE id = $1`, [id, r.beforeReports]);
  if (r.status === 'APPROVED')
    await q.transaction((tx) => new ReviewsRepository(tx).changeStatus(id, 'APPROVED', r.createdAt));
  return id;
}

/** The review's status, moderation columns and its log rows (oldest first): what a decision changes. */
export async function moderationState(q: Db, id: string) {
  const review = (
    await q.query<{ status: string; moderated_by: string | null; moderator_note: string | null; reports_open: number }>(
      `SELECT status, moderated_by, moderator_note, reports_open FROM reviews WHERE id = $1`,
      [id],
    )
  ).rows[0];
  const log = (
    await q.query<{
      action: string;
      from_status: string;
      to_status: string;
      note: string | null;
      actor: string;
      revision: number | null;
      reason: string | null;
    }>(
      `SELECT action, from_status, to_status, note, actor, revision, reason FROM review_moderation_log
        WHERE review_id = $1 ORDER BY id`,
      [id],
    )
  ).rows;
  const openReports = Number(
    (
      await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM review_reports WHERE review_id = $1 AND resolved_at IS NULL`,
        [id],
      )
    ).rows[0]!.n,
  );
  return { ...review, log, openReports };
}
