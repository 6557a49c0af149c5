import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { StoreRecsService } from './store-recs-service.js';

export { KioskBrowsing } from './kiosk-browsing.js';
export { StoreRecsRepository } from './store-recs-repository.js';
export { StoreRecsService, type StoreRecsAnswer } from './store-recs-service.js';
export { recsRoutes } from './routes.js';
export const recsMigrations = new URL('./schema/', import.meta.url);

/**
 * The hub's `recs.store-top` after each training run: checked (a bad payload is parked with the reason, its neighbours
 * apply) and kept when its model is newer than the one held (an entry may come twice, or late).
 */
export function registerRecsFeed(feed: FeedHandlerRegistry, recs: StoreRecsService): void {
  feed.register('recs.store-top', (_db, entry) => {
    recs.applyStoreTop(entry);
  });
}
