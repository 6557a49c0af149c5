import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '@storefleet/shared';
import { isHeadOffice } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { ReviewCustomerAccess } from './customer-access.js';
import { EngagementRepository } from './engagement-repository.js';
import { ReviewsRepository } from './reviews-repository.js';
import { markStoreDirty } from './store-dirty.js';
import type { ReviewResponse } from './types.js';

export type ReportReason = 'OFFENSIVE' | 'SPAM' | 'OFF_TOPIC' | 'PERSONAL_DATA' | 'OTHER';
export const REPORT_REASONS: readonly ReportReason[] = ['OFFENSIVE', 'SPAM', 'OFF_TOPIC', 'PERSONAL_DATA', 'OTHER'];
/** Open reports that send an approved review back to a moderator (MANUAL_REVIEW). */
export const REPORTS_TO_QUEUE = 3;

/**
 * Helpfulness votes (one per customer and review; a changed vote replaces the old one; not on one's own review),
 * the brand's response (head office), and reports of inappropriate content (one per customer and review; a review
 * with REPORTS_TO_QUEUE open reports goes back to MANUAL_REVIEW) — lane B.
 */
export class ReviewEngagement {
  readonly access: ReviewCustomerAccess;

  constructor(readonly ctx: HubContext) {
    this.access = new ReviewCustomerAccess(() => ctx.services.find(CUSTOMER_DIRECTORY));
  }

  /**
   * The customer's vote on an approved review (404 for any other). Their changed vote replaces the earlier one (the
   * counters move by one each); the same vote again changes nothing. Resolves with the review's counters.
   */
  async vote(
    caller: Principal,
    reviewId: string,
    customerId: string,
    helpful: boolean,
  ): Promise<{ helpful: number; unhelpful: number }> {
    await this.access.check(caller, customerId);
    const at = this.ctx.now();
    return this.ctx.db.transaction(async (tx) => {
      const repo = new EngagementRepository(tx);
      const review = await repo.lockReview(reviewId);
      if (review?.status !== 'APPROVED') throw new NotFoundError('review', reviewId);
      if (review.customerId === customerId)
        throw new UnprocessableError('a customer does not vote on their own review', { reviewId });
      const before = await repo.vote(reviewId, customerId);
      if (before === helpful) return { helpful: review.helpful, unhelpful: review.unhelpful };
      const dHelpful = (helpful ? 1 : 0) - (before === true ? 1 : 0);
      const dUnhelpful = (helpful ? 0 : 1) - (before === false ? 1 : 0);
      const counts = await repo.putVote(reviewId, customerId, helpful, at, dHelpful, dUnhelpful);
      await markStoreDirty(tx, [review.sku], at);
      return counts;
    });
  }

  /** Head office's answer to a review (a new one replaces it); 404 for a review that does not stand. */
  async respond(caller: Principal, reviewId: string, body: string, as: string): Promise<ReviewResponse> {
    if (!isHeadOffice(caller)) throw new ForbiddenError('responses to reviews are head office’s');
    const at = this.ctx.now();
    return this.ctx.db.transaction(async (tx) => {
      const repo = new EngagementRepository(tx);
      const review = await repo.lockReview(reviewId);
      if (!review || review.status === 'DELETED') throw new NotFoundError('review', reviewId);
      const response = await repo.putResponse(reviewId, body, responderOf(caller), as, at);
      await markStoreDirty(tx, [review.sku], at);
      return response;
    });
  }

  /** Removes head office's answer (nothing to remove is no error); 404 for a review that does not exist. */
  async removeResponse(caller: Principal, reviewId: string): Promise<void> {
    if (!isHeadOffice(caller)) throw new ForbiddenError('responses to reviews are head office’s');
    const at = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      const repo = new EngagementRepository(tx);
      const review = await repo.lockReview(reviewId);
      if (!review) throw new NotFoundError('review', reviewId);
      if (await repo.deleteResponse(reviewId)) await markStoreDirty(tx, [review.sku], at);
    });
  }

  /**
   * The customer's report of an approved review (404 for any other; a second report by them: 409). At
   * REPORTS_TO_QUEUE open reports the review goes back to a moderator (MANUAL_REVIEW). Resolves with the open count.
   */
  async report(
    caller: Principal,
    reviewId: string,
    customerId: string,
    reason: ReportReason,
    note: string | null,
  ): Promise<{ queued: boolean }> {
    await this.access.check(caller, customerId);
    const at = this.ctx.now();
    return this.ctx.db.transaction(async (tx) => {
      const repo = new EngagementRepository(tx);
      const review = await repo.lockReview(reviewId);
      if (review?.status !== 'APPROVED') throw new NotFoundError('review', reviewId);
      const open = await repo.addReport(reviewId, customerId, reason, note, at);
      if (open === null) throw new ConflictError('this customer has already reported this review', { reviewId });
      if (open < REPORTS_TO_QUEUE) return { queued: false };
      await new ReviewsRepository(tx).changeStatus(reviewId, 'MANUAL_REVIEW', at);
      return { queued: true };
    });
  }
}

function responderOf(p: Principal): string {
  return p.kind === 'user' ? p.userId : `store:${p.storeId}`;
}
