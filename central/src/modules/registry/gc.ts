import { randomUUID } from 'node:crypto';
import { ConflictError } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { type GcFigures, type GcRun, gcRepository as repo } from './gc-repository.js';
import type { RegistryStorage } from './types.js';

export const REGISTRY_GC_JOB = 'registry.gc';
/** Candidates read per query, and files checked against the rows per query: 1M blobs never sit in memory. */
export const GC_BATCH = 500;
/** Candidates locked and removed per transaction (short: a manifest push may wait on one of these rows). */
const SWEEP_TX = 50;
/**
 * A file (a blob or an upload's part) with no row is removed only this long after it was last written, however short
 * the grace: a push writes its file a moment before its row commits. Measured on the files' clock (the wall clock).
 */
export const GC_FILE_MIN_AGE_MS = 15 * 60_000;
/** A RUNNING run older than this is one a dead hub left (it no longer blocks a new run). */
const STALE_RUN_MS = 6 * 3_600_000;

/** Thrown by `begin` when a collection is already running (the route answers 409 with its id). */
export class GcRunningError extends ConflictError {
  constructor(readonly runId: string) {
    super(`garbage collection ${runId} is running; wait for it to end`, { runId });
  }
}

interface Figures {
  marked: number;
  sweptBlobs: number;
  sweptBytes: number;
  droppedUploads: number;
}

/**
 * Garbage collection while pushes continue (lane: gc-scan): marks every blob a manifest names, sweeps blobs no
 * manifest names that were not touched (pushed, mounted, checked) within the grace period, a few rows at a time under
 * a lock the manifest push also takes, so a push that leans on a blob either sees it gone (and uploads it again) or
 * keeps it; drops upload sessions idle past `registryUploadIdleMs` and files no session owns. Each run is recorded.
 *
 * Why nothing referenced is lost: a manifest PUT locks each blob it names FOR SHARE (`blobs.missing`) and inserts its
 * refs in the same transaction. The sweep locks a candidate FOR UPDATE (SKIP LOCKED: a blob a push holds is passed
 * over) and only then reads the refs again, in a new statement: a PUT that committed first is seen, one that comes
 * after waits for the sweep's commit and finds the blob missing (MANIFEST_BLOB_UNKNOWN; the client uploads it again).
 * An upload in progress is a session row and a part file, never a blob: only idle sessions are touched. A push that
 * re-sends a swept digest finds its bytes' address taken by the file about to go and keeps no copy: so a blob's row
 * and file are removed in one transaction under the digest's advisory lock, which the push's recording of its row
 * takes too and checks the file under (`blobs.linkStored`): never a row without its file.
 */
export class RegistryGc {
  constructor(
    readonly ctx: HubContext,
    readonly storage: RegistryStorage,
  ) {}

  /** Defines the job and schedules it every `tuning.registryGcEveryMs`. */
  async start(): Promise<void> {
    this.ctx.jobs.define<{ runId?: string } | null>({
      name: REGISTRY_GC_JOB,
      maxAttempts: 1,
      run: async (job) => {
        const runId = job.payload?.runId;
        if (runId) {
          if (await repo.resume(this.ctx.db, runId)) await this.collect(runId, job.signal);
          return;
        }
        const begun = await this.#begin('SCHEDULE');
        if ('running' in begun) {
          this.ctx.log.info(
            { runId: begun.running },
            'registry: garbage collection already running; this period skips',
          );
          return;
        }
        await this.collect(begun.id, job.signal);
      },
    });
    await this.ctx.jobs.schedule(REGISTRY_GC_JOB, {
      everyMs: this.ctx.settings.tuning.registryGcEveryMs,
      jitter: 0.1,
    });
  }

  /** One whole collection now, in the caller's time; resolves with its run id (GcRunningError when one runs). */
  async run(trigger: 'SCHEDULE' | 'ADMIN', signal?: AbortSignal): Promise<string> {
    const begun = await this.#begin(trigger);
    if ('running' in begun) throw new GcRunningError(begun.running);
    await this.collect(begun.id, signal);
    return begun.id;
  }

  /** Starts a collection in the background through the job runner (the console's button); resolves with its id. */
  async request(): Promise<string> {
    const begun = await this.#begin('ADMIN');
    if ('running' in begun) throw new GcRunningError(begun.running);
    try {
      await this.ctx.jobs.enqueue(REGISTRY_GC_JOB, { runId: begun.id }, { idempotencyKey: `gc-${begun.id}` });
    } catch (err) {
      await repo.finish(this.ctx.db, begun.id, 'FAILED', zero(), 'could not be queued', this.ctx.now());
      throw err;
    }
    return begun.id;
  }

  get(id: string): Promise<GcRun | null> {
    return repo.get(this.ctx.db, id);
  }

  runs(limit: number, before: string | null): Promise<GcRun[]> {
    return repo.list(this.ctx.db, limit, before);
  }

  /** The work of run `runId` (RUNNING): sweep, then record DONE with the figures, or FAILED with the reason. */
  async collect(runId: string, signal?: AbortSignal): Promise<GcFigures> {
    const f: Figures = zero();
    const started = Date.now();
    try {
      f.marked = await repo.marked(this.ctx.db);
      await this.#sweepBlobs(runId, f, signal);
      await this.#dropIdleUploads(f, signal);
      await this.#sweepOrphanFiles(runId, f, signal);
      await this.#sweepOrphanUploads(f, signal);
      if (signal?.aborted) throw new Error('stopped before the end (the hub is stopping); the next run carries on');
      const detail = `kept ${f.marked} referenced blobs; removed ${f.sweptBlobs} blobs (${f.sweptBytes} bytes), ${f.droppedUploads} upload sessions`;
      await repo.finish(this.ctx.db, runId, 'DONE', f, detail, this.ctx.now());
      this.ctx.log.info({ runId, ...f, ms: Date.now() - started }, 'registry: garbage collection done');
      return f;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await repo
        .finish(this.ctx.db, runId, 'FAILED', f, reason, this.ctx.now())
        .catch((e) => this.ctx.log.error({ err: e, runId }, 'registry: could not record a failed collection'));
      this.ctx.log.warn({ err, runId, ...f }, 'registry: garbage collection failed');
      throw err;
    }
  }

  #begin(trigger: 'SCHEDULE' | 'ADMIN'): Promise<{ id: string } | { running: string }> {
    const id = randomUUID();
    const at = this.ctx.now();
    return this.ctx.db.transaction(async (tx) => {
      const r = await repo.begin(tx, { id, trigger, at, staleBefore: at - STALE_RUN_MS });
      return r.created ? { id } : { running: r.running };
    });
  }

  /** Unreferenced blob rows past the grace: candidates by batch, each few locked, checked again, removed. */
  async #sweepBlobs(runId: string, f: Figures, signal?: AbortSignal): Promise<void> {
    const cutoff = this.ctx.now() - this.ctx.settings.tuning.registryGcGraceMs;
    let after = '';
    for (;;) {
      if (signal?.aborted) return;
      const batch = await repo.candidates(this.ctx.db, cutoff, after, GC_BATCH);
      if (batch.length === 0) return;
      after = batch.at(-1)!;
      for (let i = 0; i < batch.length; i += SWEEP_TX) {
        // rows and files go in one transaction under the digests' locks: a push of the same digest records its row
        // wholly before (then the row is not a candidate) or after (then it finds the file gone and is refused)
        const gone = await this.ctx.db.transaction(async (tx) => {
          const swept = await repo.sweep(tx, batch.slice(i, i + SWEEP_TX), cutoff);
          for (const blob of swept) await this.storage.delete(blob.digest);
          return swept;
        });
        for (const blob of gone) {
          f.sweptBlobs++;
          f.sweptBytes += blob.size;
        }
      }
      const detail = `removed ${f.sweptBlobs} blobs (${f.sweptBytes} bytes) so far`;
      await repo.progress(this.ctx.db, runId, f, detail);
      this.ctx.log.debug({ runId, ...f }, 'registry: garbage collection progress');
    }
  }

  async #dropIdleUploads(f: Figures, signal?: AbortSignal): Promise<void> {
    const cutoff = this.ctx.now() - this.ctx.settings.tuning.registryUploadIdleMs;
    for (;;) {
      if (signal?.aborted) return;
      const ids = await repo.dropIdleUploads(this.ctx.db, cutoff, GC_BATCH);
      for (const id of ids) await this.storage.dropUpload(id);
      f.droppedUploads += ids.length;
      if (ids.length < GC_BATCH) return;
    }
  }

  /** Blob files with no row (a crash between the file and its row), older than the grace and `GC_FILE_MIN_AGE_MS`. */
  async #sweepOrphanFiles(runId: string, f: Figures, signal?: AbortSignal): Promise<void> {
    const minAge = Math.max(this.ctx.settings.tuning.registryGcGraceMs, GC_FILE_MIN_AGE_MS);
    let batch: string[] = [];
    const flush = async () => {
      const rows = await repo.existing(this.ctx.db, batch);
      for (const digest of batch) {
        if (rows.has(digest)) continue;
        // under the digest's lock, checked again: a push that found this file in place records its row meanwhile
        const stat = await this.ctx.db.transaction(async (tx) => {
          if ((await repo.tryLockDigests(tx, [digest])).length === 0) return null;
          if ((await repo.existing(tx, [digest])).size > 0) return null;
          const s = await this.storage.stat(digest);
          if (!s || Date.now() - s.writtenAt < minAge) return null;
          await this.storage.delete(digest);
          return s;
        });
        if (!stat) continue;
        f.sweptBlobs++;
        f.sweptBytes += stat.size;
        this.ctx.log.warn({ runId, digest }, 'registry: removed a blob file no row names (left by a crash mid-push)');
      }
      batch = [];
    };
    for await (const digest of this.storage.keys()) {
      if (signal?.aborted) return;
      batch.push(digest);
      if (batch.length >= GC_BATCH) await flush();
    }
    if (batch.length > 0) await flush();
  }

  /** Upload part files no session row owns (the session was dropped, or a crash), older than `GC_FILE_MIN_AGE_MS`. */
  async #sweepOrphanUploads(f: Figures, signal?: AbortSignal): Promise<void> {
    let batch: string[] = [];
    const flush = async () => {
      const live = await repo.uploadSessions(this.ctx.db, batch);
      for (const id of batch)
        if (!live.has(id)) {
          await this.storage.dropUpload(id);
          f.droppedUploads++;
        }
      batch = [];
    };
    for await (const u of this.storage.uploads()) {
      if (signal?.aborted) return;
      if (Date.now() - u.touchedAt < GC_FILE_MIN_AGE_MS) continue;
      batch.push(u.id);
      if (batch.length >= GC_BATCH) await flush();
    }
    if (batch.length > 0) await flush();
  }
}

function zero(): Figures {
  return { marked: 0, sweptBlobs: 0, sweptBytes: 0, droppedUploads: 0 };
}
