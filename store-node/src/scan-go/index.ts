import type { Router } from 'express';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { ScanGoDoor } from './door-service.js';
import { scanGoDoorRoutes } from './routes.js';

export { ScanGoDoor, type DoorVerdict } from './door-service.js';
export { ScanGoStoreRepository, type DoorExit, type DoorSale } from './scan-go-repository.js';

export const scanGoMigrations = new URL('./schema/', import.meta.url);

/** The hub's `scango.paid`: a basket paid in the app at this store, recorded as one sale (see ScanGoDoor.applyPaid). */
export function registerScanGoFeed(feed: FeedHandlerRegistry, door: ScanGoDoor): void {
  feed.register('scango.paid', (_db, entry) => door.applyPaid(entry));
}

/** `/api/scan-go/*` on the store node (who may call each: the lane report lists the rows). */
export function scanGoRoutes(door: ScanGoDoor): Router {
  return scanGoDoorRoutes(door);
}
