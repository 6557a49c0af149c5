import { parseEventPayload, reviewStoreProductSchema } from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { StoreReviewsRepository } from './store-reviews-repository.js';

export { StoreReviewsRepository } from './store-reviews-repository.js';
export { reviewsRoutes } from './routes.js';
export const reviewsMigrations = new URL('./schema/', import.meta.url);

/**
 * The hub's `reviews.products` (products whose ratings changed): checked whole (a bad payload is parked with the
 * reason, its neighbours apply), each product kept when its revision is higher than the one held.
 */
export function registerReviewsFeed(feed: FeedHandlerRegistry, repo: StoreReviewsRepository, now: () => number): void {
  feed.register('reviews.products', (_db, entry) => {
    const { products } = parseEventPayload('reviews.products', entry.payload);
    const at = now();
    for (const p of products) repo.apply(p, at);
  });
}

/**
 * The sink of the hub's `reviews` cold-start section (also pulled again after a feed skip): each row a product's
 * summary and top reviews, kept as the feed keeps one (the higher revision wins). A row that is not one is refused
 * alone and logged; the rest of the page applies.
 */
export function reviewsSink(repo: StoreReviewsRepository, log: SyncLogger, now: () => number): BootstrapSink {
  return (_db, rows) => {
    let refused = 0;
    let reason = '';
    const at = now();
    for (const row of rows) {
      const checked = reviewStoreProductSchema.safeParse(row);
      if (checked.success) repo.apply(checked.data, at);
      else if (refused++ === 0) reason = checked.error.issues[0]?.message ?? 'not a product';
    }
    if (refused)
      log.warn({ refused, reason }, `refused ${refused} row(s) from the hub's reviews section that are not products`);
  };
}
