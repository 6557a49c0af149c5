export { EventHandlerRegistry, type AppliedEvent, type EventHandler } from './event-handlers.js';
export { FeedWriter, FEED_CHANNEL, type FeedItem } from './feed-writer.js';
export { SyncRepository } from './sync-repository.js';
export { SyncServer, SYNC_PATH } from './sync-server.js';
export { SyncStatusRepository, type StoreSyncState } from './sync-status.js';
export { syncRoutes } from './routes.js';
export { registerSyncMetrics } from './sync-metrics.js';
export const syncMigrations = new URL('./schema/', import.meta.url);
export * from './docs/index.js';
