export { createStoreNode, type StoreNode } from './store-node.js';
export { storeNodeConfigFromEnv, type StoreNodeConfig } from './config.js';
export { HubLink, type HubCredential, type HubLinkState } from './hub-link/hub-link.js';
export { openSqlite, type SqliteDb } from './db/open-sqlite.js';
export { StoreSync, WsConnector, type Emit, type FeedHandler } from './sync/index.js';
