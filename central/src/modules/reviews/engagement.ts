import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { notBuilt } from './not-built.js';
import type { ReviewResponse } from './types.js';

export type ReportReason = 'OFFENSIVE' | 'SPAM' | 'OFF_TOPIC' | 'PERSONAL_DATA' | 'OTHER';

/**
 * Helpfulness votes (one per customer and review; a changed vote replaces the old one; not on one's own review),
 * the brand's response (head office), and reports of inappropriate content (one per customer and review; a review
 * with REPORTS_TO_QUEUE open reports goes back to MANUAL_REVIEW) — lane B.
 */
export class ReviewEngagement {
  constructor(readonly ctx: HubContext) {}

  async vote(
    _caller: Principal,
    _reviewId: string,
    _customerId: string,
    _helpful: boolean,
  ): Promise<{ helpful: number; unhelpful: number }> {
    return notBuilt('ReviewEngagement.vote');
  }
  async respond(_caller: Principal, _reviewId: string, _body: string, _as: string): Promise<ReviewResponse> {
    return notBuilt('ReviewEngagement.respond');
  }
  async removeResponse(_caller: Principal, _reviewId: string): Promise<void> {
    return notBuilt('ReviewEngagement.removeResponse');
  }
  async report(
    _caller: Principal,
    _reviewId: string,
    _customerId: string,
    _reason: ReportReason,
    _note: string | null,
  ): Promise<void> {
    return notBuilt('ReviewEngagement.report');
  }
}
