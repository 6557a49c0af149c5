import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { notBuilt } from './not-built.js';
import type { ReviewAdminView } from './types.js';

export type QueueKind = 'MANUAL_REVIEW' | 'REJECTED' | 'REPORTED';

/**
 * The moderation queue (lane E): reviews waiting for a moderator (MANUAL_REVIEW), those refused (REJECTED), and those
 * reported, oldest first, each with its fraud reasons and reports; approve or reject with a note (logged in
 * `review_moderation_log`, the summary and the stores' copy updated in the same transaction); resolve reports.
 */
export class ReviewModeration {
  constructor(readonly ctx: HubContext) {}

  async queue(
    _caller: Principal,
    _kind: QueueKind,
    _limit: number,
    _after: string | null,
  ): Promise<{ reviews: ReviewAdminView[]; next: string | null; counts: Record<QueueKind, number> }> {
    return notBuilt('ReviewModeration.queue');
  }
  async decide(
    _caller: Principal,
    _reviewId: string,
    _decision: 'APPROVE' | 'REJECT',
    _note: string | null,
  ): Promise<ReviewAdminView> {
    return notBuilt('ReviewModeration.decide');
  }
  async resolveReports(
    _caller: Principal,
    _reviewId: string,
    _remove: boolean,
    _note: string | null,
  ): Promise<ReviewAdminView> {
    return notBuilt('ReviewModeration.resolveReports');
  }
}
