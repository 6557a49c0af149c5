import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FsBlobStore } from '../../kernel/fs-blob-store.js';
import type { HubContext, JobHandle } from '../../kernel/module-contract.js';
import type { VaultAudit } from './audit.js';
import { keysRepository as repo } from './keys-repository.js';
import { type KmsHolder, LocalKms } from './kms.js';
import type { SealedStore } from './sealed-store.js';
import { actorOf, type VaultCaller } from './types.js';

/** The job that re-wraps data keys still under an old master key (one-off after a rotation, and on a schedule). */
export const VAULT_REWRAP_JOB = 'vault.rewrap';
/** Versions re-wrapped per transaction: one checkpoint and one progress write each. */
export const REWRAP_BATCH = 200;

/** What `GET /vault/keys` answers. */
export interface VaultKeysStatus {
  readonly current: string;
  /** Oldest first; `versions` = how many versions' content data keys each wraps; `createdAt` null when unknown. */
  readonly keys: readonly { readonly id: string; readonly createdAt: number | null; readonly versions: number }[];
  /** Versions with a data key (content or thumbnail) under a key other than `current`. */
  readonly pendingRewrap: number;
}

/** What one re-wrap run did. */
export interface RewrapOutcome {
  readonly rewrapped: number;
  /** Versions whose data key could not be unwrapped (unknown master key, a wrapped key that fails its check): logged. */
  readonly failed: number;
}

/**
 * Master-key rotation (lane: crypto): `rotate` makes a new current key (new versions use it at once) and starts the
 * re-wrap job, which re-wraps every data key still under an old key in batches (the blobs are not touched); old
 * versions stay readable throughout. Opens the KMS at start: when it cannot, the vault answers 503 with the reason
 * and the hub runs on.
 */
export class VaultKeys {
  readonly #keysFile: string | undefined;
  #lastJob: string | null = null;
  constructor(
    readonly ctx: HubContext,
    readonly kms: KmsHolder,
    readonly sealed: SealedStore,
    readonly audit: VaultAudit,
    /**
     * The keys file; default `settings.vault.keysFile`, else `vault-keys.json` in the blob folder (a demo or test hub
     * only: a production hub refuses keys inside the blob folder, see `#refusal`).
     */
    keysFile?: string,
  ) {
    this.#keysFile = keysFile;
  }

  /** Where the master keys live (never in the database). */
  get keysFile(): string {
    if (this.#keysFile) return this.#keysFile;
    if (this.ctx.settings.vault.keysFile) return this.ctx.settings.vault.keysFile;
    const dir = this.#blobDir;
    if (!dir) throw new Error('the vault has no keys file and no blob folder to keep one in: set VAULT_KEYS_FILE');
    return join(dir, 'vault-keys.json');
  }

  /** The blob folder in use (where the ciphertext is), or null when this vault's blobs are not in a folder. */
  get #blobDir(): string | null {
    return this.ctx.settings.blobs.dir ?? (this.sealed.blobs instanceof FsBlobStore ? this.sealed.blobs.root : null);
  }

  /**
   * Why a production hub must not open its keys here, or null when it may: master keys beside the ciphertext they
   * protect mean one stolen folder (a backup, a disk) gives both. HUB_DATA_DIR is not in the settings: the blob folder
   * (`<HUB_DATA_DIR>/blobs` by default) stands for it.
   */
  #refusal(file: string): string | null {
    if (this.ctx.settings.mode !== 'production') return null;
    const blobDir = this.#blobDir;
    const configured = this.#keysFile ?? this.ctx.settings.vault.keysFile;
    const inside = blobDir !== null && isInside(file, blobDir);
    if (configured && !inside) return null;
    return `set VAULT_KEYS_FILE to a file outside the data and blob folders (${
      configured ? `${file} is inside the blob folder ${blobDir}` : 'it is not set'
    }): master keys kept beside the ciphertext protect nothing`;
  }

  async start(): Promise<void> {
    try {
      const file = this.keysFile;
      const refusal = this.#refusal(file);
      if (refusal) {
        this.kms.fail(refusal);
        this.ctx.log.error(`vault: ${refusal}. Every vault request answers 503 until the hub restarts with it set.`);
      } else {
        const kms = await LocalKms.open(file, {
          now: this.ctx.now,
          onWarning: (message) => this.ctx.log.warn(`vault: ${message}`),
        });
        this.kms.set(kms);
      }
    } catch (err) {
      const reason = `its master keys could not be opened: ${(err as Error).message}`;
      this.kms.fail(reason);
      this.ctx.log.error(`vault: ${reason}. Every vault request answers 503 until the hub restarts with them.`);
    }
    this.ctx.jobs.define<unknown>({
      name: VAULT_REWRAP_JOB,
      // an attempt that failed on a version is retried by the next period; the versions done stay done
      maxAttempts: 3,
      run: (job) => this.#runRewrap(job).then(() => undefined),
    });
    await this.ctx.jobs.schedule(VAULT_REWRAP_JOB, {
      everyMs: this.ctx.settings.tuning.vaultRewrapEveryMs,
      jitter: 0.1,
    });
  }

  async stop(): Promise<void> {}

  /** Which key is current, how many versions each wraps, and how many still wait for the re-wrap. */
  async status(): Promise<VaultKeysStatus & { readonly job: unknown }> {
    const current = this.kms.currentKeyId();
    const ids = this.kms.keyIds();
    const { byKek: counts, pending } = await repo.usage(this.ctx.db, current);
    const known = new Set(ids);
    // a version under a key this KMS does not hold is shown too (its key is missing from the keys file)
    const all = [...ids, ...[...counts.keys()].filter((id) => !known.has(id)).sort()];
    const job = this.#lastJob ? await this.ctx.jobs.get(this.#lastJob) : null;
    return {
      current,
      keys: all.map((id) => ({ id, createdAt: this.kms.createdAt(id), versions: counts.get(id) ?? 0 })),
      pendingRewrap: pending,
      job: job ? { id: job.id, state: job.state, progress: job.progress, lastError: job.lastError } : null,
    };
  }

  /**
   * Makes a new current master key, audits KEY_ROTATE, and enqueues the re-wrap (it runs in the background). The
   * key is in the file before the audit line commits: a failed audit leaves an unused key, never a lost one.
   */
  async rotate(
    caller: VaultCaller,
  ): Promise<{ current: string; previous: string; pendingRewrap: number; jobId: string }> {
    const previous = this.kms.currentKeyId();
    const current = await this.kms.rotate();
    await this.ctx.db.transaction((tx) =>
      this.audit.append(tx, {
        actor: actorOf(caller.principal),
        action: 'KEY_ROTATE',
        detail: { kekId: current, previous },
        origin: caller.origin,
      }),
    );
    const job = await this.ctx.jobs.enqueue(
      VAULT_REWRAP_JOB,
      { kekId: current },
      { idempotencyKey: `rotate-${current}` },
    );
    this.#lastJob = job.id;
    this.ctx.log.info({ kekId: current, previous, job: job.id }, 'vault: master key rotated; re-wrap enqueued');
    return { current, previous, pendingRewrap: await repo.pendingCount(this.ctx.db, current), jobId: job.id };
  }

  /**
   * Re-wraps every data key not under the current master key, `REWRAP_BATCH` versions a transaction, until none is
   * left or the hub stops (a resumed run carries on from its checkpoint). Audits one REWRAP line per run that did
   * something. Exposed for tests and the bench; the job is what runs it in a hub.
   */
  async rewrapAll(
    job?: Pick<JobHandle, 'signal' | 'progress' | 'saveCheckpoint' | 'checkpoint'>,
  ): Promise<RewrapOutcome> {
    if (!this.kms.ready) {
      this.ctx.log.warn('vault: re-wrap skipped: the master keys are not open');
      return { rewrapped: 0, failed: 0 };
    }
    const current = this.kms.currentKeyId();
    const total = await repo.pendingCount(this.ctx.db, current);
    const saved = job?.checkpoint as { after?: unknown; kekId?: unknown } | null | undefined;
    let after = saved?.kekId === current && typeof saved.after === 'string' ? saved.after : null;
    let rewrapped = 0;
    let failed = 0;
    while (!job?.signal.aborted) {
      const batch = await repo.stale(this.ctx.db, current, after, REWRAP_BATCH);
      if (batch.length === 0) break;
      // unwrap and wrap outside the transaction (the KMS may be slow); the writes check the row did not change since
      const changes: { id: string; content?: [Buffer, Rewrapped]; thumb?: [Buffer, Rewrapped] }[] = [];
      for (const v of batch) {
        try {
          const change: (typeof changes)[number] = { id: v.id };
          if (v.kekId !== current) change.content = [v.wrappedKey, await this.sealed.rewrap(v)];
          if (v.thumb && v.thumb.kekId !== current)
            change.thumb = [v.thumb.wrappedKey, await this.sealed.rewrap(v.thumb)];
          changes.push(change);
        } catch (err) {
          failed++;
          this.ctx.log.error(
            { versionId: v.id, kekId: v.kekId, err: (err as Error).message },
            'vault: a data key could not be re-wrapped; the version stays under its old master key',
          );
        }
      }
      await this.ctx.db.transaction(async (tx) => {
        for (const c of changes) {
          let changed = false;
          if (c.content)
            changed = (await repo.setWrappedKey(tx, c.id, 'content', c.content[0], c.content[1])) || changed;
          if (c.thumb) changed = (await repo.setWrappedKey(tx, c.id, 'thumb', c.thumb[0], c.thumb[1])) || changed;
          if (changed) rewrapped++;
        }
      });
      after = batch.at(-1)!.id;
      await job?.saveCheckpoint({ kekId: current, after });
      await job?.progress(rewrapped + failed, total, `re-wrapped ${rewrapped} of ${total} versions under ${current}`);
    }
    if (rewrapped > 0 || failed > 0)
      await this.ctx.db.transaction((tx) =>
        this.audit.append(tx, { actor: 'system', action: 'REWRAP', detail: { kekId: current, rewrapped, failed } }),
      );
    return { rewrapped, failed };
  }

  async #runRewrap(job: JobHandle<unknown>): Promise<RewrapOutcome> {
    const outcome = await this.rewrapAll(job);
    if (outcome.rewrapped > 0 || outcome.failed > 0)
      this.ctx.log.info({ ...outcome }, 'vault: data keys re-wrapped under the current master key');
    return outcome;
  }
}

/** Whether `file` is `dir` itself or somewhere under it (both resolved; no symbolic links followed). */
function isInside(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

type Rewrapped = { readonly wrappedKey: Buffer; readonly kekId: string };
