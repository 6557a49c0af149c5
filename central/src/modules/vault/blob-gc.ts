import type { BlobStore } from '../../kernel/blobs.js';
import type { HubContext, JobHandle } from '../../kernel/module-contract.js';
import { blobGcRepository as repo } from './blob-gc-repository.js';

/** The job that removes blobs no version references (what a crash between a blob's write and its version's commit leaves). */
export const VAULT_BLOB_GC_JOB = 'vault.blob-gc';
/**
 * A blob younger than this is never removed: an upload writes its blob before its version row commits, and a slow
 * upload's commit may trail its blob by a long time (a request may take an hour). A day is far past any of them.
 */
export const BLOB_GC_MIN_AGE_MS = 86_400_000;
/** Blobs checked against the database per query. */
export const BLOB_GC_BATCH = 500;

/** What one sweep did. */
export interface BlobGcOutcome {
  /** Blobs old enough to be looked at. */
  readonly checked: number;
  /** Of those, the ones no version referenced: removed. */
  readonly removed: number;
}

/**
 * The orphan-blob sweep (lane: crypto): walks every blob in the store, and removes those written more than a day ago
 * that no `vault_versions.blob_key` or `thumb_blob_key` names. A blob is sealed under a new data key each time, so a
 * new version never comes to reference an old blob: one that no row names after a day never will. The blob folder is
 * taken to be the vault's alone (it is: `vaultParts` makes the store on it).
 */
export class VaultBlobGc {
  constructor(
    readonly ctx: HubContext,
    readonly blobs: BlobStore,
  ) {}

  /** Defines the job and schedules it every `tuning.vaultTrashSweepMs`. */
  async start(): Promise<void> {
    this.ctx.jobs.define<unknown>({
      name: VAULT_BLOB_GC_JOB,
      run: async (job) => {
        const outcome = await this.sweep({ signal: job.signal, job });
        if (outcome.removed > 0)
          this.ctx.log.info({ ...outcome }, 'vault: removed blobs no version references (left by a crash mid-upload)');
      },
    });
    await this.ctx.jobs.schedule(VAULT_BLOB_GC_JOB, {
      everyMs: this.ctx.settings.tuning.vaultTrashSweepMs,
      jitter: 0.1,
    });
  }

  /**
   * One sweep. `now` is the wall clock (files' times are the wall clock's, not the hub's `ctx.now`); a blob whose
   * `writtenAt` is within `minAgeMs` of it is passed over.
   */
  async sweep(
    options: {
      readonly now?: number;
      readonly minAgeMs?: number;
      readonly batchSize?: number;
      readonly signal?: AbortSignal;
      readonly job?: Pick<JobHandle, 'progress'>;
    } = {},
  ): Promise<BlobGcOutcome> {
    const now = options.now ?? Date.now();
    const minAgeMs = options.minAgeMs ?? BLOB_GC_MIN_AGE_MS;
    const batchSize = Math.max(1, options.batchSize ?? BLOB_GC_BATCH);
    let checked = 0;
    let removed = 0;
    let batch: string[] = [];
    const flush = async () => {
      const referenced = await repo.referenced(this.ctx.db, batch);
      for (const key of batch) {
        if (referenced.has(key)) continue;
        await this.blobs.delete(key);
        removed++;
        this.ctx.log.warn({ blobKey: key }, 'vault: removed a blob no version references');
      }
      checked += batch.length;
      batch = [];
      await options.job?.progress(checked, null, `checked ${checked} blobs, removed ${removed}`);
    };
    for await (const key of this.blobs.keys()) {
      if (options.signal?.aborted) break;
      const stat = await this.blobs.stat(key);
      if (!stat || now - stat.writtenAt < minAgeMs) continue;
      batch.push(key);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0 && !options.signal?.aborted) await flush();
    return { checked, removed };
  }
}
