import type { Queryable } from '../../db/db.js';
import { notBuilt } from './not-built.js';
import type { ProductSummary, ReviewStatus } from './types.js';

/** One review row as the repository reads it (lane A owns the shape beyond these fields). */
export interface ReviewRow {
  readonly id: string;
  readonly sku: string;
  readonly customerId: string;
  readonly rating: number;
  readonly status: ReviewStatus;
  readonly verified: boolean;
  readonly photoCount: number;
}

/**
 * The SQL of reviews (lane A): rows, revisions, the per-product summaries (kept current by `changeStatus` and
 * `changeRating` in the caller's transaction), the verified purchases, the rate-limit counts.
 */
export class ReviewsRepository {
  constructor(readonly q: Queryable) {}

  /** The review (any status) or undefined; `lock` takes its row lock (FOR UPDATE) in the caller's transaction. */
  async get(_id: string, _lock = false): Promise<ReviewRow | undefined> {
    return notBuilt('ReviewsRepository.get');
  }

  /**
   * Moves a review to `to` and keeps its product's summary and the stores' dirty list current, in the caller's
   * transaction (the review's row locked by the caller). Returns the status it had. No-op (same status) returns it.
   */
  async changeStatus(_id: string, _to: ReviewStatus, _at: number): Promise<ReviewStatus> {
    return notBuilt('ReviewsRepository.changeStatus');
  }

  /** A product's summary (zeros when it has no approved review). */
  async summary(_sku: string): Promise<ProductSummary> {
    return notBuilt('ReviewsRepository.summary');
  }
}
