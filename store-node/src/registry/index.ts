import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { StoreReleases } from './store-releases.js';

export { RegistryBlobCache, BlobDigestError } from './blob-cache.js';
export { hubRegistryGetter, HubRegistryUnreachable, type HubRegistryGet } from './hub-registry.js';
export { StoreReleaseRepository, type StoreRelease, type RunningRelease } from './release-repository.js';
export { StoreReleases, STORE_NODE_TRACK, STORE_NODE_NOT_RESTARTED } from './store-releases.js';
export { registryV2Routes } from './v2-routes.js';
export { storeReleaseRoutes } from './routes.js';
export const registryMigrations = new URL('./schema/', import.meta.url);

/** The hub's `registry.release`: checked (a bad payload is parked with the reason), kept when newer for its track. */
export function registerRegistryFeed(feed: FeedHandlerRegistry, releases: StoreReleases): void {
  feed.register('registry.release', (_db, entry) => {
    releases.applyRelease(entry);
  });
}

/** The registry's folder: beside the database, named after it (several nodes may share a folder in tests). */
export function registryDir(dbPath: string): string {
  if (dbPath === ':memory:' || dbPath === '') return mkdtempSync(join(tmpdir(), 'storefleet-store-registry-'));
  return join(dirname(dbPath), `${basename(dbPath).replace(/\.sqlite$/, '')}-registry`);
}
