import {
  AppError,
  ConflictError,
  NotFoundError,
  parseEventPayload,
  uuidv7,
  type FeedEntry,
  type VaultViewed,
} from '@storefleet/shared';
import { closeSync, createReadStream, fstatSync, openSync, type ReadStream } from 'node:fs';
import type { Logger } from 'pino';
import type { StoreSync } from '../sync/store-sync.js';
import { HubContentUnreachable, type VaultHubFetch } from './hub-content.js';
import { DigestMismatchError, type VaultCache } from './vault-cache.js';
import type { StoreVaultDoc, StoreVaultRepository } from './vault-repository.js';

/** What an open that could not reach the hub, for a document not on this device, is told (503). */
export const NOT_ON_DEVICE_YET = 'not on this device yet: open it once while the hub is reachable';

export class NotOnDeviceError extends AppError {
  constructor() {
    super('unavailable', NOT_ON_DEVICE_YET);
  }
}

export interface StoreVaultOptions {
  /** Offline documents fetched at once, at most. */
  readonly prefetchConcurrency?: number;
  /** The first retry of a failed prefetch, doubling to `retryCapMs`. */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
  /** Whether the hub is reachable now (the sync's connection): an open from the cache without it is offline. */
  readonly online?: () => boolean;
}

/** A document as the handheld's list shows it. */
export interface StoreVaultListItem {
  readonly documentId: string;
  readonly name: string;
  readonly path: readonly string[];
  readonly tags: readonly string[];
  readonly mediaType: string;
  readonly size: number;
  readonly versionNo: number;
  readonly offline: boolean;
  /** Readable here with no hub. */
  readonly cached: boolean;
  readonly updatedAt: number;
}

/**
 * The store's document reader (issue #22): the documents its staff may read, from the hub's feed (newest changeSeq
 * wins; a removal takes the cached file with it), their content in the node's cache — fetched on first open, or at
 * once in the background for `offline` documents (a few at a time, retried with backoff while the hub is away) —
 * checked against the feed's SHA-256 before it is kept. Each open is a `vault.viewed` event up through the outbox,
 * marked offline when the hub could not be asked.
 */
export class StoreVaultService {
  readonly #o: Required<StoreVaultOptions>;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = true;
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    readonly repo: StoreVaultRepository,
    readonly cache: VaultCache,
    readonly sync: Pick<StoreSync, 'write'>,
    readonly fetchHub: VaultHubFetch | undefined,
    readonly log: Logger,
    readonly now: () => number,
    options: StoreVaultOptions = {},
  ) {
    this.#o = { prefetchConcurrency: 2, retryBaseMs: 5_000, retryCapMs: 600_000, online: () => true, ...options };
  }

  /** Feed handler for `vault.doc`: a bad payload throws (parked); an entry no newer than the one held is ignored. */
  applyDoc(entry: FeedEntry): boolean {
    const doc = parseEventPayload('vault.doc', entry.payload);
    if (doc.changeSeq <= this.repo.newestSeq(doc.documentId)) return false;
    this.repo.upsert(doc);
    if (doc.offline) setImmediate(() => this.poke());
    return true;
  }

  /** Feed handler for `vault.doc-removed`: metadata and the cached file go (unless a newer entry brought it back). */
  applyRemoved(entry: FeedEntry): boolean {
    const removed = parseEventPayload('vault.doc-removed', entry.payload);
    if (removed.changeSeq <= this.repo.newestSeq(removed.documentId)) return false;
    this.repo.remove(removed, this.now());
    try {
      this.cache.remove(removed.documentId);
    } catch (err) {
      // the row is gone, so nothing serves the file; the next start's sweep deletes it
      this.log.warn({ err, documentId: removed.documentId }, 'could not delete a removed document’s cached file');
    }
    return true;
  }

  list(q?: string): StoreVaultListItem[] {
    const words = (q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    return this.repo
      .all()
      .filter((d) =>
        words.every((w) => d.name.toLowerCase().includes(w) || d.path.some((p) => p.toLowerCase().includes(w))),
      )
      .map((d) => ({
        documentId: d.documentId,
        name: d.name,
        path: d.path,
        tags: d.tags,
        mediaType: d.mediaType,
        size: d.size,
        versionNo: d.versionNo,
        offline: d.offline,
        cached: d.cachedVersionId === d.versionId && this.cache.has(d.documentId),
        updatedAt: d.updatedAt,
      }));
  }

  /**
   * Opens a document for `device`: from the cache when its current version is there, else fetched from the hub first.
   * 404 for a document this store does not list; 503 (`NOT_ON_DEVICE_YET`) when it is not cached and the hub cannot be
   * asked; the hub's refusal (409 quarantined or being scanned, 404 no longer shared) passed on. Queues `vault.viewed`.
   */
  async open(
    documentId: string,
    device: string,
  ): Promise<{ doc: StoreVaultDoc; content: ReadStream; offline: boolean }> {
    let doc = this.repo.get(documentId);
    if (!doc) throw new NotFoundError('document', documentId);
    let offline = !this.fetchHub || !this.#o.online();
    if (!this.#isCached(doc)) {
      try {
        await this.#fetch(doc);
        offline = false;
      } catch (err) {
        if (!(err instanceof HubContentUnreachable)) throw err;
        offline = true;
      }
      doc = this.repo.get(documentId);
      if (!doc) throw new NotFoundError('document', documentId); // removed by the feed meanwhile
      if (!this.#isCached(doc)) throw new NotOnDeviceError();
    }
    // Opened now, in the same turn as the row was read: a newer version renamed over the file, or a removal deleting
    // it, after this point leaves this reader the inode it opened — the bytes its headers (size, digest) describe.
    const content = this.#openCached(doc);
    const at = this.now();
    const view: VaultViewed = { viewId: uuidv7(at), documentId, versionId: doc.versionId, device, offline, at };
    this.sync.write((emit) => emit('vault.viewed', view));
    return { doc, content, offline };
  }

  #openCached(doc: StoreVaultDoc): ReadStream {
    const fd = openSync(this.cache.pathOf(doc.documentId), 'r');
    const size = fstatSync(fd).size;
    if (size !== doc.size) {
      closeSync(fd);
      throw new Error(
        `the cached file of ${doc.documentId} holds ${size} bytes; version ${doc.versionNo} has ${doc.size}`,
      );
    }
    return createReadStream('', { fd, autoClose: true });
  }

  /** Begins prefetching offline documents (and deletes files of documents no longer listed). */
  start(): void {
    this.#stopped = false;
    try {
      const swept = this.cache.sweep(this.repo.ids());
      if (swept) this.log.info({ swept }, 'deleted cached files of documents this store no longer lists');
    } catch (err) {
      this.log.warn({ err }, 'could not sweep the document cache');
    }
    this.poke();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Looks for offline documents to fetch now. */
  poke(): void {
    if (this.#stopped || !this.fetchHub) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#prefetch()
      .catch((err: unknown) => this.log.warn({ err }, 'prefetching offline documents failed; will retry'))
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.poke();
        } else this.#arm();
      });
  }

  /** Resolves when no prefetch is running (tests); throws, naming what is still pending, when that takes over `timeoutMs`. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#running || this.#inFlight.size) {
      if (Date.now() >= until)
        throw new Error(
          `the vault was still busy after ${timeoutMs} ms: ${this.#running ? 'a prefetch round running; ' : ''}${this.#inFlight.size} download(s) in flight (${[...this.#inFlight.keys()].join(', ')})`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  #isCached(d: StoreVaultDoc): boolean {
    return d.cachedVersionId === d.versionId && this.cache.has(d.documentId);
  }

  async #prefetch(): Promise<void> {
    for (let round = 0; round < 10_000 && !this.#stopped; round++) {
      const due = this.repo.duePrefetch(this.now(), this.#o.prefetchConcurrency);
      if (due.length === 0) return;
      await Promise.all(
        due.map(async (d) => {
          try {
            await this.#fetch(d);
          } catch (err) {
            const failures = this.repo.failures(d.documentId);
            const wait = Math.min(this.#o.retryCapMs, this.#o.retryBaseMs * 2 ** Math.min(failures, 20));
            this.repo.fetchFailed(d.documentId, this.now() + wait);
            this.log.warn(
              { documentId: d.documentId, retryInMs: wait, reason: (err as Error)?.message ?? String(err) },
              'could not prefetch an offline document; will retry',
            );
          }
        }),
      );
    }
  }

  #arm(): void {
    if (this.#stopped) return;
    const next = this.repo.nextPrefetchAt();
    clearTimeout(this.#timer);
    if (next === null) return;
    this.#timer = setTimeout(() => this.poke(), Math.max(50, next - this.now()));
    this.#timer.unref();
  }

  /** Fetches the document's current version into the cache (one fetch per document at a time). */
  #fetch(d: StoreVaultDoc): Promise<void> {
    const running = this.#inFlight.get(d.documentId);
    if (running) return running;
    const run = this.#download(d).finally(() => this.#inFlight.delete(d.documentId));
    this.#inFlight.set(d.documentId, run);
    return run;
  }

  async #download(d: StoreVaultDoc): Promise<void> {
    if (!this.fetchHub) throw new HubContentUnreachable('this node has no hub');
    const res = await this.fetchHub(d.documentId, d.versionNo);
    if (res.status >= 500 || res.status === 401) {
      await res.body?.cancel().catch(() => undefined);
      throw new HubContentUnreachable(`the hub answered ${res.status}`);
    }
    if (!res.ok || !res.body) {
      const problem = (await res.json().catch(() => ({}))) as { detail?: string };
      if (res.status === 404) throw new NotFoundError('document', d.documentId);
      throw new ConflictError(`the hub refused the document: ${problem.detail ?? `HTTP ${res.status}`}`);
    }
    try {
      await this.cache.keep(d.documentId, res.body, { sha256: d.sha256, size: d.size });
    } catch (err) {
      if (err instanceof DigestMismatchError) {
        this.log.error(
          { documentId: d.documentId, versionId: d.versionId, reason: err.message },
          'a document from the hub did not match the digest its feed named: discarded',
        );
        throw new ConflictError('the document’s content did not match its digest; it was discarded');
      }
      throw new HubContentUnreachable(`the download broke off: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    }
    if (this.repo.markCached(d.documentId, d.versionId, this.now())) return;
    // the feed moved on while the bytes came: removed (its file goes too), or a newer version (fetched next)
    if (!this.repo.get(d.documentId)) this.cache.remove(d.documentId);
  }
}
