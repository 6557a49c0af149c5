export { createHub, type Hub } from './hub.js';
export { hubConfigFromEnv, type HubConfig } from './config.js';
export type { Db, Queryable } from './db/db.js';
export type { HubModule, HubContext } from './kernel/module-contract.js';
export type { Principal, Role } from './kernel/principal.js';
export type { AppliedEvent, EventHandler, FeedItem, FeedWriter, StoreSyncState } from './sync/index.js';
export { discoverModules } from './kernel/discover-modules.js';
export type { SnapshotSource } from './sync/index.js';
