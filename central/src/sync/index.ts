export {
  EventHandlerRegistry,
  type AppliedEvent,
  type EventHandler,
  type HandlerResult,
} from '../kernel/event-handlers.js';
export { FeedWriter, FEED_CHANNEL, type FeedItem } from '../kernel/feed-writer.js';
export { SyncRepository } from './sync-repository.js';
export { ParkedReplay, type ReplayOutcome, type TypeReplay } from './parked-replay.js';
export { isTransientDbError, retryTransient, type RetryOptions } from './transient-errors.js';
export { SyncServer, SYNC_PATH } from './sync-server.js';
export { SyncStatusRepository, type StoreSyncState } from './sync-status.js';
export { syncRoutes } from './routes.js';
export { LagHistory } from './lag-history.js';
export { registerSyncMetrics } from './sync-metrics.js';
export const syncMigrations = new URL('./schema/', import.meta.url);
export * from './docs/index.js';
export { PgChangeBus, type ChangeBus } from '../kernel/change-bus.js';
export { NatsChangeBus } from './nats-change-bus.js';
export { bootstrapRoutes, historySource, HISTORY_DAYS } from './bootstrap.js';
export type { SnapshotSource } from '../kernel/module-contract.js';
