import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '@storefleet/shared';
import { isHeadOffice } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { ReviewCustomerAccess } from './customer-access.js';
import { type EngagementKind, EngagementRepository } from './engagement-repository.js';
import { enforceLimit, type ReviewLimit } from './rate-limits.js';
import { ReviewsRepository } from './reviews-repository.js';
import { markStoreDirty } from './store-dirty.js';
import type { ReviewResponse } from './types.js';

export type ReportReason = 'OFFENSIVE' | 'SPAM' | 'OFF_TOPIC' | 'PERSONAL_DATA' | 'OTHER';
export const REPORT_REASONS: readonly ReportReason[] = ['OFFENSIVE', 'SPAM', 'OFF_TOPIC', 'PERSONAL_DATA', 'OTHER'];
/** Open reports that send an approved review back to a moderator (MANUAL_REVIEW); only counting reports count. */
export const REPORTS_TO_QUEUE = 3;
/** A report counts toward REPORTS_TO_QUEUE from a customer with a verified purchase or an account at least this old. */
export const REPORTER_MIN_AGE_MS = 7 * 86_400_000;
/** The stores' feed shows this many reviews of a product (most helpful, then newest): a vote re-sends it only there. */
export const TOP_REVIEWS_SHOWN = 3;

const DAY_MS = 86_400_000;
/** Votes (a new or changed one) per customer a day, reports per customer a day, both together per store credential. */
export const VOTES_PER_DAY = 100;
export const REPORTS_PER_DAY = 10;
export const STORE_ENGAGEMENTS_PER_DAY = 500;
const VOTE_LIMIT: ReviewLimit = {
  max: VOTES_PER_DAY,
  windowMs: DAY_MS,
  says: `${VOTES_PER_DAY} votes a day per customer`,
};
const REPORT_LIMIT: ReviewLimit = {
  max: REPORTS_PER_DAY,
  windowMs: DAY_MS,
  says: `${REPORTS_PER_DAY} reports a day per customer`,
};
const STORE_LIMIT: ReviewLimit = {
  max: STORE_ENGAGEMENTS_PER_DAY,
  windowMs: DAY_MS,
  says: `${STORE_ENGAGEMENTS_PER_DAY} votes and reports a day from one store`,
};

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
    const storeId = caller.kind === 'store' ? caller.storeId : null;
    return this.ctx.db.transaction(async (tx) => {
      const repo = new EngagementRepository(tx);
      await repo.lockActors(customerId, storeId);
      const review = await repo.lockReview(reviewId);
      if (review?.status !== 'APPROVED') throw new NotFoundError('review', reviewId);
      if (review.customerId === customerId)
        throw new UnprocessableError('a customer does not vote on their own review', { reviewId });
      const before = await repo.vote(reviewId, customerId);
      if (before === helpful) return { helpful: review.helpful, unhelpful: review.unhelpful };
      await enforceDaily(repo, customerId, storeId, 'VOTE', at);
      const wasShown = await repo.inTop(review, TOP_REVIEWS_SHOWN);
      const dHelpful = (helpful ? 1 : 0) - (before === true ? 1 : 0);
      const dUnhelpful = (helpful ? 0 : 1) - (before === false ? 1 : 0);
      const counts = await repo.putVote(reviewId, customerId, helpful, at, dHelpful, dUnhelpful);
      await repo.logEngagement(customerId, storeId, 'VOTE', at);
      // the stores show a product's top reviews with their helpful counts: re-sent only when this one is or was there
      if (wasShown || (await repo.inTop({ ...review, helpful: counts.helpful }, TOP_REVIEWS_SHOWN)))
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
      // the stores show the responses of a product's top reviews only
      if (review.status === 'APPROVED' && (await repo.inTop(review, TOP_REVIEWS_SHOWN)))
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
      if (
        (await repo.deleteResponse(reviewId)) &&
        review.status === 'APPROVED' &&
        (await repo.inTop(review, TOP_REVIEWS_SHOWN))
      )
        await markStoreDirty(tx, [review.sku], at);
    });
  }

  /**
   * The customer's report of an approved review (404 for any other; a second report by them: 409; past the daily
   * limits: 429). A report counts toward sending the review to a moderator only when its author has a verified
   * purchase or an account at least REPORTER_MIN_AGE_MS old (the customers module's createdAt; unknown = new); others
   * are kept for the moderator and hide nothing. At REPORTS_TO_QUEUE counting open reports the review goes back to a
   * moderator (MANUAL_REVIEW), its status before remembered.
   */
  async report(
    caller: Principal,
    reviewId: string,
    customerId: string,
    reason: ReportReason,
    note: string | null,
  ): Promise<{ queued: boolean; counts: boolean }> {
    const customer = await this.access.check(caller, customerId);
    const at = this.ctx.now();
    const storeId = caller.kind === 'store' ? caller.storeId : null;
    const oldEnough = customer !== undefined && customer.createdAt <= at - REPORTER_MIN_AGE_MS;
    return this.ctx.db.transaction(async (tx) => {
      const repo = new EngagementRepository(tx);
      await repo.lockActors(customerId, storeId);
      const review = await repo.lockReview(reviewId);
      if (review?.status !== 'APPROVED') throw new NotFoundError('review', reviewId);
      if (await repo.hasReported(reviewId, customerId))
        throw new ConflictError('this customer has already reported this review', { reviewId });
      await enforceDaily(repo, customerId, storeId, 'REPORT', at);
      const counts = oldEnough || (await repo.hasPurchased(customerId));
      const open = await repo.addReport(reviewId, customerId, reason, note, at, counts);
      if (open === null) throw new ConflictError('this customer has already reported this review', { reviewId });
      await repo.logEngagement(customerId, storeId, 'REPORT', at);
      if (!counts || (await repo.countingReports(reviewId)) < REPORTS_TO_QUEUE) return { queued: false, counts };
      await repo.rememberStatusBeforeReports(reviewId, review.status);
      await new ReviewsRepository(tx).changeStatus(reviewId, 'MANUAL_REVIEW', at);
      return { queued: true, counts };
    });
  }

  /** Forgets votes and reports older than a day (they count toward no limit); the hourly photo sweep calls it. */
  async prune(now: number): Promise<number> {
    return new EngagementRepository(this.ctx.db).pruneEngagement(now - DAY_MS);
  }
}

/** Throws RateLimitedError when one more vote or report passes the customer's or the store credential's daily limit. */
async function enforceDaily(
  repo: EngagementRepository,
  customerId: string,
  storeId: string | null,
  kind: EngagementKind,
  at: number,
): Promise<void> {
  const limit = kind === 'VOTE' ? VOTE_LIMIT : REPORT_LIMIT;
  enforceLimit(limit, await repo.customerTimes(customerId, kind, at - limit.windowMs, limit.max), at);
  if (storeId !== null)
    enforceLimit(STORE_LIMIT, await repo.storeTimes(storeId, at - STORE_LIMIT.windowMs, STORE_LIMIT.max), at);
}

function responderOf(p: Principal): string {
  return p.kind === 'user' ? p.userId : `store:${p.storeId}`;
}
