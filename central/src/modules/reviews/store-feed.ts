import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';
import { notBuilt } from './not-built.js';

export const REVIEWS_FEED_JOB = 'reviews.store-feed';

/**
 * The stores' copy (lane F): every `reviewsFeedEveryMs` the products in `review_store_dirty` are built into
 * `reviews.products` entries (summary and top reviews) and appended to every store's feed, a batch of stores per
 * transaction, then cleared; a new store gets every product with approved reviews in its cold start (`bootstrap`).
 */
export class ReviewsStoreFeed {
  constructor(readonly ctx: HubContext) {}

  async start(): Promise<void> {}
  /** One run now (the job's body; tests call it). Resolves with the products and stores fed. */
  async run(): Promise<{ products: number; stores: number }> {
    return notBuilt('ReviewsStoreFeed.run');
  }
  bootstrap(): SnapshotSource {
    return {
      count: async () => 0,
      page: async () => ({ rows: [], next: null }),
    };
  }
}
