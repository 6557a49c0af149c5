import type { ReviewRecord } from './reviews-repository.js';
import type { ReviewAdminView, ReviewPhoto, ReviewResponse, ReviewStatus, ReviewView } from './types.js';

/** What a view adds to a review's row: its photos in order and the brand's answer. */
export interface ReviewExtras {
  readonly photos: ReadonlyMap<string, ReviewPhoto[]>;
  readonly responses: ReadonlyMap<string, ReviewResponse>;
}

/** A review as every signed-in caller sees it: no customer id, no scoring, no client. */
export function reviewView(r: ReviewRecord, x: ReviewExtras): ReviewView {
  return {
    id: r.id,
    sku: r.sku,
    rating: r.rating,
    title: r.title,
    body: r.body,
    author: r.authorName,
    status: r.status,
    verified: r.verified,
    photos: x.photos.get(r.id) ?? [],
    helpful: r.helpful,
    unhelpful: r.unhelpful,
    response: x.responses.get(r.id) ?? null,
    revision: r.revision,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** What the author is told of where their review stands (never why: no score, no reasons). */
export type ReviewAuthorNotice = 'published' | 'pending moderation' | 'not published' | 'deleted';

/**
 * A review as its author sees it (the answer to their submit and edit) and as a store that may read the customer's
 * profile does: the status and a plain notice, but no fraud score or reasons (an oracle for tuning fakes; a
 * near-duplicate's detail names another customer's review), no client address or device, no moderator.
 */
export interface ReviewAuthorView extends ReviewView {
  readonly customerId: string;
  readonly notice: ReviewAuthorNotice;
}

const NOTICES: Record<ReviewStatus, ReviewAuthorNotice> = {
  APPROVED: 'published',
  MANUAL_REVIEW: 'pending moderation',
  REJECTED: 'not published',
  DELETED: 'deleted',
};

export function reviewAuthorView(r: ReviewRecord, x: ReviewExtras): ReviewAuthorView {
  return { ...reviewView(r, x), customerId: r.customerId, notice: NOTICES[r.status] };
}

/** A review as head office sees it: the customer, the scoring and its reasons, the moderation. */
export function reviewAdminView(r: ReviewRecord, x: ReviewExtras): ReviewAdminView {
  return {
    ...reviewView(r, x),
    customerId: r.customerId,
    fraud: { score: r.fraudScore, reasons: r.fraudReasons, modelVersion: r.modelVersion },
    client: { ip: r.clientIp, deviceId: r.deviceId },
    reportsOpen: r.reportsOpen,
    moderation:
      r.moderatedBy !== null && r.moderatedAt !== null
        ? { by: r.moderatedBy, at: r.moderatedAt, note: r.moderatorNote }
        : null,
  };
}
