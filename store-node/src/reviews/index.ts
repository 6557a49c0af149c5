import { parseEventPayload, reviewStoreProductSchema } from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { ReviewsPuller } from './reviews-puller.js';
import type { StoreReviewsRepository } from './store-reviews-repository.js';

export { checkPage, ReviewsPuller, type ReviewsSyncStatus } from './reviews-puller.js';
export { StoreReviewsRepository } from './store-reviews-repository.js';
export { reviewsRoutes } from './routes.js';
export const reviewsMigrations = new URL('./schema/', import.meta.url);

/**
 * The hub's `reviews.changed {revision}` notice: recorded as wanted in the feed's transaction (checked even with no hub
 * to pull from; a bad payload is parked), then the puller fetches the products changed since the copy's revision.
 */
export function registerReviewsFeed(feed: FeedHandlerRegistry, puller: ReviewsPuller): void {
  feed.register('reviews.changed', (_db, entry) => {
    const { revision } = parseEventPayload('reviews.changed', entry.payload);
    puller.noticed(revision);
  });
}

/**
 * The sink of the hub's `reviews` cold-start section: the hub's copy from revision 0 in revision order (tombstones
 * too), each row kept as a pull keeps one (the higher revision wins). While every row so far applied, the copy is
 * marked as holding up to the last one (never lowered), so the puller goes on from there instead of pulling it all
 * again. A row that is not a product is refused alone and logged (the copy's revision then stays: the puller asks for
 * it again); the rest of the page applies.
 */
export function reviewsSink(repo: StoreReviewsRepository, log: SyncLogger, now: () => number): BootstrapSink {
  let whole = true;
  let last = 0;
  return (_db, rows) => {
    let refused = 0;
    let reason = '';
    const at = now();
    for (const row of rows) {
      const checked = reviewStoreProductSchema.safeParse(row);
      if (checked.success) {
        repo.apply(checked.data, at);
        if (checked.data.revision <= last) whole = false;
        last = checked.data.revision;
      } else if (refused++ === 0) reason = checked.error.issues[0]?.message ?? 'not a product';
    }
    if (refused) whole = false;
    if (whole && last > 0) repo.applyPage([], last, at);
    if (refused)
      log.warn({ refused, reason }, `refused ${refused} row(s) from the hub's reviews section that are not products`);
  };
}
