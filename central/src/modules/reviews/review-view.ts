import type { ReviewRecord } from './reviews-repository.js';
import type { ReviewAdminView, ReviewPhoto, ReviewResponse, ReviewView } from './types.js';

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

/** A review as head office and its author see it: the customer, the scoring and its reasons, the moderation. */
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
