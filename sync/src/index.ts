export * from './backoff.js';
export * from './batch-rules.js';
export * from './upload-window.js';
export * from './interfaces.js';
export * from './sync-client.js';
export * from './hub-session.js';
export * from './docs/doc-replica.js';
