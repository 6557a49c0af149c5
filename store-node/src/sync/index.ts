export { StoreSync, type Emit, type StoreSyncOptions } from './store-sync.js';
export { SqliteOutbox, type OutboxEvent } from './outbox.js';
export { FeedHandlerRegistry, type FeedHandler } from './feed-handlers.js';
export { SqliteSyncStorage } from './sqlite-sync-storage.js';
export const syncMigrations = new URL('./schema/', import.meta.url);
export { WsConnector } from './ws-connector.js';
export { Bootstrapper, type BootstrapSink, type BootstrapProgress } from './bootstrap.js';
