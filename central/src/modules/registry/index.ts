import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { RegistryAuth } from './auth.js';
import { RegistryBlobs } from './blobs.js';
import { consoleRoutes } from './console-routes.js';
import { RegistryGc } from './gc.js';
import { gcScanRoutes } from './gc-scan-routes.js';
import { RegistryManifests } from './manifests.js';
import { RegistryMirror } from './mirror.js';
import { releaseRoutes } from './release-routes.js';
import { releaseStatusHandler } from './release-status-handler.js';
import { RegistryReleases } from './releases.js';
import { RegistryRepositories } from './repositories.js';
import { scannerFor } from './scanner.js';
import { RegistryScans } from './scans.js';
import { FsRegistryStorage } from './storage.js';
import { tokenRoutes } from './token-routes.js';
import type { RegistryStorage } from './types.js';
import { v2Router } from './v2-router.js';

export type { RegistryAction, RegistryCaller, StoredManifest, Severity } from './types.js';
export { REGISTRY_GC_JOB } from './gc.js';
export { REGISTRY_MIRROR_JOB } from './mirror.js';

/** The module's parts for one hub (several hubs may share this module object in a test process). */
export interface RegistryParts {
  /** The registry's folder (the blob folder's `registry/`), and whether this hub made it for itself (removed at stop). */
  readonly dir: { readonly path: string; readonly temporary: boolean };
  readonly storage: RegistryStorage;
  readonly auth: RegistryAuth;
  readonly repositories: RegistryRepositories;
  readonly blobs: RegistryBlobs;
  readonly scans: RegistryScans;
  readonly manifests: RegistryManifests;
  readonly gc: RegistryGc;
  readonly releases: RegistryReleases;
  readonly mirror: RegistryMirror;
}
const partsByHub = new WeakMap<HubContext, RegistryParts>();
export function registryParts(ctx: HubContext): RegistryParts {
  let p = partsByHub.get(ctx);
  if (!p) {
    const configured = ctx.settings.blobs.dir;
    const dir = configured
      ? { path: join(configured, 'registry'), temporary: false }
      : { path: mkdtempSync(join(tmpdir(), 'storefleet-hub-registry-')), temporary: true };
    mkdirSync(dir.path, { recursive: true });
    const storage = new FsRegistryStorage(dir.path);
    const auth = new RegistryAuth(ctx);
    const repositories = new RegistryRepositories(ctx);
    const blobs = new RegistryBlobs(ctx, storage, repositories);
    const scans = new RegistryScans(
      ctx,
      storage,
      (deps) => scannerFor(ctx.settings.registry.scanner, deps),
      (repository) => auth.scannerToken(repository),
    );
    const manifests = new RegistryManifests(ctx, blobs, repositories, scans);
    const gc = new RegistryGc(ctx, storage);
    const releases = new RegistryReleases(ctx, manifests);
    const mirror = new RegistryMirror(ctx, blobs, manifests);
    p = { dir, storage, auth, repositories, blobs, scans, manifests, gc, releases, mirror };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * The OCI registry (issue #23): the distribution spec's `/v2/` API that skopeo, podman and docker push to and pull
 * from, with Docker token auth from the hub's people and store credentials; blobs kept once across repositories,
 * quotas, garbage collection while pushes continue, vulnerability scans through a Harbor-shaped adapter with a
 * pull-blocking policy, releases announced to stores through their feeds, and a pull-based mirror of another hub.
 */
export const hubModule: HubModule = {
  name: 'registry',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [{ path: 'registry', title: 'Registry', script: 'registry.js', roles: ['ADMIN'] }],
  },
  routes(ctx) {
    const parts = registryParts(ctx);
    const r = Router();
    r.use(tokenRoutes(parts, ctx));
    r.use(consoleRoutes(parts, ctx));
    r.use(gcScanRoutes(parts, ctx));
    r.use(releaseRoutes(parts, ctx));
    return r;
  },
  rootRoutes: (ctx) => ({ '/v2': v2Router(registryParts(ctx), ctx) }),
  eventHandlers: (ctx) => ({ 'registry.release-status': releaseStatusHandler(registryParts(ctx), ctx) }),
  async start(ctx) {
    const p = registryParts(ctx);
    await p.auth.start();
    await p.scans.start();
    await p.gc.start();
    await p.releases.start();
    await p.mirror.start();
  },
  async stop(ctx) {
    const p = partsByHub.get(ctx);
    if (!p) return;
    await p.mirror.stop();
    await p.scans.stop();
    if (p.dir.temporary) rmSync(p.dir.path, { recursive: true, force: true });
  },
};
