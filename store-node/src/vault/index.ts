import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { StoreVaultService } from './vault-service.js';

export { vaultHubFetcher, HubContentUnreachable, type VaultHubFetch } from './hub-content.js';
export { VaultCache, DigestMismatchError } from './vault-cache.js';
export { StoreVaultRepository, type StoreVaultDoc } from './vault-repository.js';
export { StoreVaultService, NOT_ON_DEVICE_YET, type StoreVaultListItem } from './vault-service.js';
export { vaultRoutes } from './routes.js';
export const vaultMigrations = new URL('./schema/', import.meta.url);

/**
 * The hub's `vault.doc` / `vault.doc-removed`: checked (a bad payload is parked with the reason, its neighbours apply)
 * and kept when newer than what the store holds for the document (an entry may come twice, or late).
 */
export function registerVaultFeed(feed: FeedHandlerRegistry, vault: StoreVaultService): void {
  feed.register('vault.doc', (_db, entry) => {
    vault.applyDoc(entry);
  });
  feed.register('vault.doc-removed', (_db, entry) => {
    vault.applyRemoved(entry);
  });
}

/** The content cache's folder: beside the database, named after it (several nodes may share a folder in tests). */
export function vaultCacheDir(dbPath: string): string {
  if (dbPath === ':memory:' || dbPath === '') return mkdtempSync(join(tmpdir(), 'storefleet-store-documents-'));
  return join(dirname(dbPath), `${basename(dbPath).replace(/\.sqlite$/, '')}-documents`);
}
