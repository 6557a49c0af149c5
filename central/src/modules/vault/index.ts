import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import type { BlobStore } from '../../kernel/blobs.js';
import { FsBlobStore } from '../../kernel/fs-blob-store.js';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { VaultAcl } from './acl.js';
import { vaultAclRoutes } from './acl-routes.js';
import { VaultAudit } from './audit.js';
import { VaultBlobGc } from './blob-gc.js';
import { vaultAuditRoutes } from './audit-routes.js';
import { VaultDocuments } from './documents.js';
import { VaultKeys } from './keys.js';
import { vaultKeysRoutes } from './keys-routes.js';
import { KmsHolder } from './kms.js';
import { VaultProcessing } from './processing.js';
import { vaultRoutes } from './routes.js';
import { SealedStore } from './sealed-store.js';
import { VaultStoreFeed } from './store-feed.js';
import { vaultViewedHandler } from './viewed-handler.js';

export type { VaultNode, VaultVersion, VaultAuditEntry, VaultLevel } from './types.js';
export { VAULT_BLOB_GC_JOB } from './blob-gc.js';

export const VAULT_BLOB_TEMP_SWEEP_JOB = 'vault.blob-temp-sweep';
const BLOB_TEMP_KEPT_MS = 86_400_000;

/** The module's parts for one hub (several hubs may share this module object in a test process). */
export interface VaultParts {
  /** The folder the blobs live in, and whether this hub made it for itself (removed at stop). */
  readonly blobDir: { readonly path: string; readonly temporary: boolean };
  readonly blobs: BlobStore;
  /** The same store as `blobs`, with its filesystem-only upkeep (the temporary files' sweep). */
  readonly blobStore: FsBlobStore;
  readonly kms: KmsHolder;
  readonly sealed: SealedStore;
  readonly audit: VaultAudit;
  readonly storeFeed: VaultStoreFeed;
  readonly acl: VaultAcl;
  readonly processing: VaultProcessing;
  readonly documents: VaultDocuments;
  readonly keys: VaultKeys;
}
const partsByHub = new WeakMap<HubContext, VaultParts>();
export function vaultParts(ctx: HubContext): VaultParts {
  let p = partsByHub.get(ctx);
  if (!p) {
    const configured = ctx.settings.blobs.dir;
    const blobDir = configured
      ? { path: configured, temporary: false }
      : { path: mkdtempSync(join(tmpdir(), 'storefleet-hub-blobs-')), temporary: true };
    const blobStore = new FsBlobStore(blobDir.path);
    const blobs: BlobStore = blobStore;
    const kms = new KmsHolder();
    const sealed = new SealedStore(kms, blobs);
    const audit = new VaultAudit(ctx);
    const storeFeed = new VaultStoreFeed(ctx);
    const acl = new VaultAcl(ctx, audit, storeFeed);
    const processing = new VaultProcessing(ctx, sealed, audit, storeFeed);
    const documents = new VaultDocuments(ctx, acl, audit, sealed, storeFeed, processing);
    const keys = new VaultKeys(ctx, kms, sealed, audit);
    p = { blobDir, blobs, blobStore, kms, sealed, audit, storeFeed, acl, processing, documents, keys };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * The document vault (issue #22): folders and documents with versions and a trash, permissions inherited down the
 * tree for people, groups, stores and roles, envelope encryption per version under master keys kept outside the
 * database, an append-only hash-chained audit trail, a virus scan and thumbnails after upload, and each store's
 * readable documents through its feed for the handheld, offline too.
 */
export const hubModule: HubModule = {
  name: 'vault',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [
      { path: 'vault', title: 'Documents', script: 'vault.js', roles: ['ADMIN', 'STORE_MANAGER'] },
      { path: 'vault-audit', title: 'Document audit', script: 'vault-audit.js', roles: ['ADMIN'] },
    ],
  },
  // uploads: a new document in a folder, a new version of a document (the body is the file, streamed)
  streamedBodies: [
    { method: 'POST', path: /^\/vault\/folders\/[^/]+\/documents$/ },
    { method: 'PUT', path: /^\/vault\/documents\/[^/]+\/content$/ },
  ],
  routes(ctx) {
    const parts = vaultParts(ctx);
    const r = Router();
    r.use(vaultRoutes(parts, ctx));
    r.use(vaultAclRoutes(parts, ctx));
    r.use(vaultAuditRoutes(parts, ctx));
    r.use(vaultKeysRoutes(parts, ctx));
    return r;
  },
  eventHandlers: (ctx) => ({ 'vault.viewed': vaultViewedHandler(vaultParts(ctx), ctx) }),
  async start(ctx) {
    const p = vaultParts(ctx);
    await p.keys.start(); // opens the KMS
    await p.storeFeed.start();
    await p.processing.start();
    await p.documents.start();
    // Temporary files of uploads that never finished (a crashed hub): swept after a day, so a slow upload is never cut.
    ctx.jobs.define({
      name: VAULT_BLOB_TEMP_SWEEP_JOB,
      run: async () => {
        const removed = await p.blobStore.sweepTemp(BLOB_TEMP_KEPT_MS); // files' times are the wall clock's, not the hub's
        if (removed) ctx.log.info({ removed }, 'vault: removed temporary files of unfinished uploads');
      },
    });
    await ctx.jobs.schedule(VAULT_BLOB_TEMP_SWEEP_JOB, { everyMs: ctx.settings.tuning.vaultTrashSweepMs, jitter: 0.1 });
    // Blobs no version references (a crash between a blob's write and its version's commit): removed after a day.
    await new VaultBlobGc(ctx, p.blobs).start();
  },
  async stop(ctx) {
    const p = partsByHub.get(ctx);
    if (!p) return;
    await p.documents.stop();
    await p.processing.stop();
    await p.storeFeed.stop();
    await p.keys.stop();
    if (p.blobDir.temporary) rmSync(p.blobDir.path, { recursive: true, force: true });
  },
};
