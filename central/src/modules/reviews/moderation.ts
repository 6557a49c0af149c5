import { ConflictError, isUuid, NotFoundError, ValidationError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { EngagementRepository } from './engagement-repository.js';
import {
  type ItemExtras,
  type ModerationItem,
  ModerationRepository,
  QUEUE_KINDS,
  type QueueCursor,
  type QueueKind,
  REJECT_REASONS,
  type RejectReason,
} from './moderation-repository.js';
import type { PhotoStore } from './photos.js';
import { photoJson } from './photos.js';
import { PhotosRepository } from './photos-repository.js';
import { ReviewsRepository } from './reviews-repository.js';
import type { ReviewPhoto, ReviewStatus } from './types.js';

export type { ModerationItem, OpenReport, QueueKind, RejectReason } from './moderation-repository.js';
export { QUEUE_KINDS, REJECT_REASONS };

export type Decision = 'APPROVE' | 'REJECT';

/**
 * Where each decision takes a review, from the statuses it may be taken from. A review already where the decision
 * takes it is left as it is (the same decision twice: no change, no log row); from anywhere else the decision is
 * refused (409) — DELETED above all (its author took it down).
 */
const DECISIONS: Record<Decision, { to: ReviewStatus; from: readonly ReviewStatus[] }> = {
  APPROVE: { to: 'APPROVED', from: ['MANUAL_REVIEW', 'REJECTED'] },
  REJECT: { to: 'REJECTED', from: ['MANUAL_REVIEW', 'APPROVED'] },
};

/** A queue page's cursor on the wire: `<epoch ms>_<review id>` (the last review of the page and its ordering time). */
export const CURSOR_PATTERN = /^([0-9]{1,16})_([0-9a-fA-F-]{36})$/;
const encodeCursor = (c: QueueCursor) => `${c.at}_${c.id}`;
function decodeCursor(raw: string): QueueCursor {
  const m = CURSOR_PATTERN.exec(raw);
  if (!m || !isUuid(m[2]!))
    throw new ValidationError('invalid query (after: not a cursor this queue gave)', [
      { path: 'after', message: 'not a cursor this queue gave' },
    ]);
  return { at: Number(m[1]), id: m[2]!.toLowerCase() };
}

/** Who decided, as the review and the log keep it: the user's id (a store never moderates; its id kept if it did). */
const actorOf = (p: Principal) => (p.kind === 'user' ? String(p.userId) : `store:${p.storeId}`);

/**
 * The moderation queue (lane E): reviews waiting for a moderator (MANUAL_REVIEW), those refused (REJECTED), and those
 * reported, oldest first, each with its fraud reasons and reports; approve or reject with a note (logged in
 * `review_moderation_log`, the summary and the stores' copy updated in the same transaction); resolve reports.
 *
 * Callers are head office (the routes check the role). Each decision runs in one transaction under the review's row
 * lock, so two moderators deciding at once are serialized: the second sees the first's outcome (the same decision: a
 * no-op; another one from a status it no longer has, when the caller says what it saw: 409).
 */
export class ReviewModeration {
  readonly #extras: ItemExtras;

  /**
   * `photos`: the hub's PhotoStore (its `ofReviews` answers each review's photos); without it the photos' rows are read
   * and shown the same way (photos.ts's `photoJson`).
   */
  constructor(
    readonly ctx: HubContext,
    photos?: Pick<PhotoStore, 'ofReviews'>,
  ) {
    this.#extras = {
      photos: photos ? (q, ids) => photos.ofReviews(q, ids) : photosOf,
      responses: (q, ids) => new EngagementRepository(q).responses(ids),
    };
  }

  async queue(
    _caller: Principal,
    kind: QueueKind,
    limit: number,
    after: string | null,
  ): Promise<{ reviews: ModerationItem[]; next: string | null; counts: Record<QueueKind, number> }> {
    const repo = new ModerationRepository(this.ctx.db);
    const cursor = after === null ? null : decodeCursor(after);
    const rows = await repo.page(kind, limit + 1, cursor);
    const page = rows.slice(0, limit);
    const [reviews, counts] = await Promise.all([
      repo.items(
        page.map((r) => r.id),
        this.#extras,
      ),
      repo.counts(),
    ]);
    const last = page.at(-1);
    return { reviews, next: rows.length > limit && last ? encodeCursor(last) : null, counts };
  }

  /**
   * Approves or rejects a review with an optional note (and, rejecting, why: `reason`, OTHER when not said — the text
   * model learns "generated" from FAKE only). The decision closes the review's open reports and is logged with the
   * revision of the text it judged. `seen` (optional): the status the moderator saw; when the review has moved since
   * (another moderator decided) the decision is refused (409) instead of overriding theirs. A review already where the
   * decision takes it, with no report open, is left as it is (no log row). Throws NotFoundError for no such review,
   * ConflictError for a deleted one or a decision its status does not allow.
   */
  async decide(
    caller: Principal,
    reviewId: string,
    decision: Decision,
    note: string | null,
    seen: ReviewStatus | null = null,
    reason: RejectReason | null = null,
  ): Promise<ModerationItem> {
    if (!isUuid(reviewId)) throw new NotFoundError('review', reviewId.slice(0, 64));
    if (decision === 'APPROVE' && reason !== null)
      throw new ValidationError('invalid decision (reason: only a rejection has one)', [
        { path: 'reason', message: 'only a rejection has a reason' },
      ]);
    const rule = DECISIONS[decision];
    return this.ctx.db.transaction(async (tx) => {
      const row = await new ReviewsRepository(tx).get(reviewId, true);
      if (!row) throw new NotFoundError('review', reviewId);
      const repo = new ModerationRepository(tx);
      const open = row.status === 'DELETED' ? 0 : await repo.openReports(reviewId);
      if (row.status !== rule.to || open > 0) {
        if (row.status === 'DELETED')
          throw new ConflictError(`review ${reviewId} was deleted by its author`, { status: row.status });
        if (seen !== null && seen !== row.status)
          throw new ConflictError(`review ${reviewId} is ${row.status} now (another moderator decided)`, {
            status: row.status,
          });
        if (row.status !== rule.to && !rule.from.includes(row.status))
          throw new ConflictError(`review ${reviewId} is ${row.status}: it cannot be ${decision.toLowerCase()}d`, {
            status: row.status,
          });
        const at = this.ctx.now();
        const actor = actorOf(caller);
        if (row.status !== rule.to) await new ReviewsRepository(tx).changeStatus(reviewId, rule.to, at);
        if (open > 0) await repo.resolveReports(reviewId, actor, at);
        await repo.markModerated(reviewId, actor, note, at);
        await repo.log({
          reviewId,
          action: decision,
          from: row.status,
          to: rule.to,
          actor,
          note,
          at,
          revision: row.revision,
          reason: decision === 'REJECT' ? (reason ?? 'OTHER') : null,
        });
      }
      return (await repo.items([reviewId], this.#extras))[0]!;
    });
  }

  /**
   * Closes the review's open reports. Removed (`remove` true) it is refused (REJECTED, `reason` OTHER when not said);
   * kept, it goes back to the status it had before the reports sent it to a moderator (shown) — a review the fraud
   * check holds (MANUAL_REVIEW not sent by reports) or a refused one is not the reports' to release: 409, approve or
   * reject it instead. With no report open (another moderator resolved them) nothing changes. Throws NotFoundError
   * for no such review, ConflictError for one its author deleted.
   */
  async resolveReports(
    caller: Principal,
    reviewId: string,
    remove: boolean,
    note: string | null,
    reason: RejectReason | null = null,
  ): Promise<ModerationItem> {
    if (!isUuid(reviewId)) throw new NotFoundError('review', reviewId.slice(0, 64));
    if (!remove && reason !== null)
      throw new ValidationError('invalid resolution (reason: only a removal has one)', [
        { path: 'reason', message: 'only a removal has a reason' },
      ]);
    return this.ctx.db.transaction(async (tx) => {
      const reviews = new ReviewsRepository(tx);
      const row = await reviews.get(reviewId, true);
      if (!row) throw new NotFoundError('review', reviewId);
      if (row.status === 'DELETED')
        throw new ConflictError(`review ${reviewId} was deleted by its author`, { status: row.status });
      const repo = new ModerationRepository(tx);
      if ((await repo.openReports(reviewId)) > 0) {
        const before = await repo.statusBeforeReports(reviewId);
        let to: ReviewStatus;
        if (remove) to = 'REJECTED';
        else if (before !== null) to = before;
        else if (row.status === 'APPROVED') to = 'APPROVED';
        else
          throw new ConflictError(
            `review ${reviewId} is ${row.status} for another reason than its reports: approve or reject it`,
            { status: row.status },
          );
        const at = this.ctx.now();
        const actor = actorOf(caller);
        await repo.resolveReports(reviewId, actor, at);
        if (row.status !== to) await reviews.changeStatus(reviewId, to, at);
        await repo.markModerated(reviewId, actor, note, at);
        await repo.log({
          reviewId,
          action: 'RESOLVE_REPORTS',
          from: row.status,
          to,
          actor,
          note,
          at,
          revision: row.revision,
          reason: remove ? (reason ?? 'OTHER') : null,
        });
      }
      return (await repo.items([reviewId], this.#extras))[0]!;
    });
  }
}

/** Each review's photos in order, as PhotoStore.ofReviews answers them (when no PhotoStore was given). */
async function photosOf(q: Queryable, ids: readonly string[]): Promise<Map<string, ReviewPhoto[]>> {
  const out = new Map<string, ReviewPhoto[]>();
  for (const row of await new PhotosRepository(q).ofReviews(ids)) {
    const list = out.get(row.reviewId!) ?? [];
    list.push(photoJson(row));
    out.set(row.reviewId!, list);
  }
  return out;
}
