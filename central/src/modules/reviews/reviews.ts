import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import type { FraudScorer } from './fraud/scorer.js';
import { notBuilt } from './not-built.js';
import type { PhotoStore } from './photos.js';
import type { EngagementRepository } from './engagement-repository.js';
import type {
  ProductSummary,
  ReviewAdminView,
  ReviewDraft,
  ReviewListQuery,
  ReviewRevision,
  ReviewView,
} from './types.js';

/**
 * Reviews (lane A): submit (one standing review per customer and product; the rate limits; the verified badge from
 * REVIEW_PURCHASES; scored by `FraudScorer` and routed APPROVED / MANUAL_REVIEW / REJECTED with the reasons stored),
 * edit (the old text kept as a revision, scored again), delete by the author, a review and its revisions, a product's
 * list (filters, sorts, cursor pages) and summary, a customer's own reviews. Who may act for a customer is checked
 * here (`CustomerAccess`): head office (a web/app backend's service account), or a store the customer deals with.
 */
export class ReviewsService {
  constructor(
    readonly ctx: HubContext,
    readonly scorer: FraudScorer,
    readonly photos: PhotoStore,
    readonly engagement: () => EngagementRepository,
  ) {}

  async submit(_caller: Principal, _sku: string, _draft: ReviewDraft): Promise<ReviewAdminView> {
    return notBuilt('ReviewsService.submit');
  }
  async edit(_caller: Principal, _id: string, _draft: ReviewDraft): Promise<ReviewAdminView> {
    return notBuilt('ReviewsService.edit');
  }
  async remove(_caller: Principal, _id: string, _customerId: string): Promise<void> {
    return notBuilt('ReviewsService.remove');
  }
  async get(_caller: Principal, _id: string): Promise<ReviewView | ReviewAdminView> {
    return notBuilt('ReviewsService.get');
  }
  async revisions(_caller: Principal, _id: string): Promise<ReviewRevision[]> {
    return notBuilt('ReviewsService.revisions');
  }
  async list(
    _query: ReviewListQuery,
  ): Promise<{ summary: ProductSummary; reviews: ReviewView[]; next: string | null }> {
    return notBuilt('ReviewsService.list');
  }
  async summary(_sku: string): Promise<ProductSummary> {
    return notBuilt('ReviewsService.summary');
  }
  async ofCustomer(_caller: Principal, _customerId: string): Promise<ReviewAdminView[]> {
    return notBuilt('ReviewsService.ofCustomer');
  }
}
