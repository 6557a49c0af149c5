import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { DeliveryService } from './delivery-service.js';

export { DeliveryRepository } from './delivery-repository.js';
export { DeliveryService } from './delivery-service.js';
export { deliveryRoutes } from './routes.js';
export const deliveryMigrations = new URL('./schema/', import.meta.url);

/** The hub's delivery feed entries for this store: its copy of each delivery, and goods of failed ones coming back. */
export function registerDeliveryFeed(feed: FeedHandlerRegistry, delivery: DeliveryService): void {
  feed.register('delivery.changed', (_db, entry) => delivery.applyChanged(entry));
  feed.register('delivery.returned', (_db, entry) => delivery.applyReturned(entry));
}
