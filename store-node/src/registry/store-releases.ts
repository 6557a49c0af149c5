import { createHash, randomUUID } from 'node:crypto';
import {
  type FeedEntry,
  OCI_DIGEST,
  RELEASE_REPOSITORY_PREFIX,
  type RegistryReleaseStatus,
  registryReleaseSchema,
} from '@storefleet/shared';
import type { Logger } from 'pino';
import type { StoreSync } from '../sync/store-sync.js';
import { BlobDigestError, type RegistryBlobCache } from './blob-cache.js';
import {
  type HubRegistryGet,
  HubRegistryUnreachable,
  MANIFEST_ACCEPT,
  HubRefusal,
  ManifestError,
  manifestRefs,
  refusal,
} from './hub-registry.js';
import type { RunningRelease, StoreRelease, StoreReleaseRepository, StoreReleaseState } from './release-repository.js';

/** The track of the store node's own software: verified, but the node does not restart into it (not built). */
export const STORE_NODE_TRACK = 'store-node';
export const STORE_NODE_NOT_RESTARTED =
  'verified and ready; restarting the store node into a new release is not built (the shell would do it)';

export interface StoreReleasesOptions {
  /** The first retry of a failed pull, doubling to `retryCapMs`. */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
  /** At most one DOWNLOADING progress report per this many ms (plus one at the start of each pull). */
  readonly progressEveryMs?: number;
  /** How long a device's pull by tag waits for the hub's answer before the node's copy answers (default 5 s). */
  readonly resolveTimeoutMs?: number;
}

/**
 * The store's releases (issue #23): the hub's `registry.release` feed entries (the newest changeSeq per track kept in
 * SQLite), each pulled from the hub's `/v2/` with the store's token — the manifest by its digest, an index's child
 * manifests, every blob — into the node's registry folder, every file checked against its digest while it streams
 * (blob-cache.ts), then marked as the release this node runs on its track. Where the node is goes up as
 * `registry.release-status` outbox events, written in the same SQLite transaction as the state they report:
 *
 *   PENDING ──pull──▶ DOWNLOADING (bytes) ──all checked──▶ VERIFIED ──▶ RUNNING (not for `store-node`: see below)
 *                          │ a digest or size mismatch, a refusal
 *                          ▼
 *                        FAILED (reason) ──backoff──▶ DOWNLOADING …
 *
 * A hub that does not answer is not a failure: the pull waits and tries again (state DOWNLOADING). A pull cut short
 * by a crash resumes at start: files already here were checked when kept, so only what is missing is fetched.
 * A withdrawn release is not pulled any more; the node keeps running what it runs until a newer one is verified.
 * The `store-node` track stops at VERIFIED: restarting the node into new software is the shell's job, not built.
 */
export class StoreReleases {
  readonly #o: Required<StoreReleasesOptions>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = true;
  #abort = new AbortController();
  /** The blob downloads under way, by digest: a second miss for one waits for it rather than fetching it again. */
  readonly #inflight = new Map<string, { repository: string; done: Promise<number> }>();

  constructor(
    readonly repo: StoreReleaseRepository,
    readonly cache: RegistryBlobCache,
    readonly sync: Pick<StoreSync, 'write'>,
    readonly hubGet: HubRegistryGet | undefined,
    readonly log: Logger,
    readonly now: () => number,
    options: StoreReleasesOptions = {},
  ) {
    this.#o = { retryBaseMs: 5_000, retryCapMs: 600_000, progressEveryMs: 1_000, resolveTimeoutMs: 5_000, ...options };
  }

  /** Feed handler for `registry.release`: a bad payload throws (parked); an entry no newer than the held one is ignored. */
  applyRelease(entry: FeedEntry): boolean {
    const release = registryReleaseSchema.parse(entry.payload);
    if (!this.repo.apply(release, this.now())) return false;
    if (!release.withdrawn) setImmediate(() => this.poke());
    return true;
  }

  /** The releases this store was told of, and the one it runs per track (the store's page). */
  list(): { releases: StoreRelease[]; running: RunningRelease[] } {
    return { releases: this.repo.all(), running: this.repo.running() };
  }

  start(): void {
    this.#stopped = false;
    this.#abort = new AbortController();
    this.poke();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort(new HubRegistryUnreachable('the store node is stopping'));
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Pulls what is due now (one pull at a time; a poke during one runs another after it). */
  poke(): void {
    if (this.#stopped || !this.hubGet) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pullDue()
      .catch((err: unknown) => this.log.warn({ err }, 'pulling releases failed; will retry'))
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.poke();
        } else this.#arm();
      });
  }

  /** Resolves when no pull is under way (tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    const at = this.repo.nextTry();
    if (at === null) return;
    this.#timer = setTimeout(() => this.poke(), Math.max(50, at - this.now()));
    this.#timer.unref();
  }

  async #pullDue(): Promise<void> {
    for (const release of this.repo.due(this.now())) {
      if (this.#stopped) return;
      await this.#pull(release);
    }
  }

  async #pull(r: StoreRelease): Promise<void> {
    let bytes = 0;
    let lastProgress = this.now();
    this.#report(r, 'DOWNLOADING', '', 0);
    try {
      bytes = await this.#fetchTree(r.repository, r.digest, r.tag, (n) => {
        bytes += n;
        if (this.now() - lastProgress >= this.#o.progressEveryMs) {
          lastProgress = this.now();
          this.#report(r, 'DOWNLOADING', '', bytes);
        }
      });
    } catch (err) {
      if (this.#stopped) return; // cut short by stop(): the next start resumes it
      const message = ((err as Error)?.message ?? String(err)).slice(0, 480);
      const retryAt = this.now() + Math.min(this.#o.retryCapMs, this.#o.retryBaseMs * 2 ** Math.min(r.attempts, 20));
      // the release itself is wrong (bytes that do not match, a refusal, not a manifest): FAILED; anything else is the
      // way to the hub (unreachable, a connection cut mid-blob): wait and try again
      const wrong =
        err instanceof BlobDigestError ||
        err instanceof ManifestError ||
        (err instanceof HubRefusal && err.status < 500);
      if (!wrong) {
        this.log.info({ track: r.track, err: message }, 'the hub is away; the release pull waits');
        this.#report(r, 'DOWNLOADING', `waiting for the hub: ${message}`, bytes, retryAt, false);
      } else {
        this.log.warn({ track: r.track, releaseId: r.releaseId, err: message }, 'release pull failed');
        this.#report(r, 'FAILED', message, bytes, retryAt);
      }
      return;
    }
    this.#report(r, 'VERIFIED', '', bytes);
    if (r.track === STORE_NODE_TRACK) {
      this.#report(r, 'VERIFIED', STORE_NODE_NOT_RESTARTED, bytes);
      return;
    }
    this.sync.write(() =>
      this.repo.setRunning({
        track: r.track,
        releaseId: r.releaseId,
        repository: r.repository,
        tag: r.tag,
        digest: r.digest,
        since: this.now(),
      }),
    );
    this.#report(r, 'RUNNING', `running ${r.repository}:${r.tag}`, bytes);
  }

  /**
   * The manifest `digest` of `repository`, and everything it names, onto this node; resolves with the bytes they take
   * (those already here count, unfetched). `onBytes` hears each chunk fetched.
   */
  async #fetchTree(repository: string, digest: string, tag: string | undefined, onBytes: (n: number) => void) {
    const manifest = await this.#manifest(repository, digest, tag);
    let total = manifest.length;
    const refs = manifestRefs(manifest);
    for (const child of refs.manifests) total += await this.#fetchTree(repository, child.digest, undefined, onBytes);
    for (const blob of refs.blobs) {
      const here = this.cache.size(blob.digest);
      if (here === blob.size) {
        total += here;
        continue;
      }
      total += await this.fetchBlob(repository, blob.digest, blob.size, onBytes);
    }
    return total;
  }

  /** The manifest's bytes: from this node, else fetched by digest from the hub and checked. */
  async #manifest(repository: string, digest: string, tag?: string): Promise<Buffer> {
    const here = this.repo.manifest(repository, digest);
    if (here && this.cache.size(digest) === here.size) {
      if (tag) this.repo.keepManifest(repository, digest, here.mediaType, here.size, tag);
      return this.cache.read(digest);
    }
    const fetched = await this.fetchManifest(repository, digest);
    if (fetched.digest !== digest)
      throw new BlobDigestError(`manifest digest mismatch: fetched ${digest}, the bytes hash to ${fetched.digest}`);
    this.repo.keepManifest(repository, digest, fetched.mediaType, fetched.size, tag);
    return this.cache.read(digest);
  }

  /**
   * The manifest a device pulls by `reference`. A digest names its bytes for good: this node's copy, else fetched. A tag
   * is asked of the hub first (a HEAD, `resolveTimeoutMs`), so a re-tag and the hub's refusals reach the devices: the
   * hub's 403 (a scan block, DENIED) or 404 forgets this node's tag and throws the `HubRefusal`; the node's copy
   * answers only when the hub cannot be reached or does not serve (5xx, a refused token). Throws
   * `HubRegistryUnreachable` for a tag this node does not hold while the hub is away.
   */
  async resolveManifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; mediaType: string; size: number }> {
    const here = () => {
      const m = this.repo.manifest(repository, reference);
      return m && this.cache.size(m.digest) === m.size ? m : null;
    };
    if (OCI_DIGEST.test(reference)) return here() ?? (await this.fetchManifest(repository, reference));
    try {
      if (!this.hubGet) throw new HubRegistryUnreachable('this node has no hub');
      const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#o.resolveTimeoutMs)]);
      const head = await this.hubGet(`/v2/${repository}/manifests/${reference}`, MANIFEST_ACCEPT, signal, 'HEAD');
      const digest = head.headers.get('docker-content-digest') ?? '';
      if (head.status === 200 && OCI_DIGEST.test(digest)) {
        const m = this.repo.manifest(repository, digest);
        if (m && this.cache.size(digest) === m.size) {
          this.repo.keepManifest(repository, digest, m.mediaType, m.size, reference);
          return m;
        }
      }
      // a manifest not here, or an answer without one: GET it by tag (a refusal's body carries the hub's words)
      return await this.fetchManifest(repository, reference);
    } catch (err) {
      if (err instanceof HubRefusal && (err.status === 403 || err.status === 404)) {
        this.repo.dropTag(repository, reference);
        throw err;
      }
      if (err instanceof HubRegistryUnreachable || err instanceof HubRefusal) {
        const m = here();
        if (m) return m;
      }
      throw err;
    }
  }

  /**
   * Fetches a manifest by tag or digest from the hub and keeps it under the digest its bytes hash to (by digest: only
   * when they match). Throws `HubRefusal` when the hub answers otherwise (404: it has no such manifest).
   */
  async fetchManifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; mediaType: string; size: number }> {
    if (!this.hubGet) throw new HubRegistryUnreachable('this node has no hub');
    const res = await this.hubGet(`/v2/${repository}/manifests/${reference}`, MANIFEST_ACCEPT, this.#abort.signal);
    if (res.status !== 200) throw await refusal(res, `manifest ${repository}@${reference}`);
    const body = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (OCI_DIGEST.test(reference) && reference !== digest)
      throw new BlobDigestError(`manifest digest mismatch: fetched ${reference}, the bytes hash to ${digest}`);
    await this.cache.keepBytes(digest, body);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    this.repo.keepManifest(
      repository,
      digest,
      mediaType,
      body.length,
      OCI_DIGEST.test(reference) ? undefined : reference,
    );
    return { digest, mediaType, size: body.length };
  }

  /**
   * Fetches a blob from the hub into the cache, checked against its digest; resolves with its size. One download per
   * digest at a time: a second caller waits for the one under way (and hears its size as one `onBytes`), and fetches
   * on its own only when that one was refused for another repository.
   */
  async fetchBlob(repository: string, digest: string, size?: number, onBytes?: (n: number) => void): Promise<number> {
    const running = this.#inflight.get(digest);
    if (running) {
      let got: number | undefined;
      try {
        got = await running.done;
      } catch (err) {
        if (running.repository === repository || !(err instanceof HubRefusal)) throw err;
      }
      if (got !== undefined) {
        if (size !== undefined && got !== size)
          throw new BlobDigestError(`${digest}: ${got} bytes, its descriptor names ${size}`);
        onBytes?.(got);
        return got;
      }
    }
    const done = this.#download(repository, digest, size, onBytes);
    this.#inflight.set(digest, { repository, done });
    try {
      return await done;
    } finally {
      if (this.#inflight.get(digest)?.done === done) this.#inflight.delete(digest);
    }
  }

  async #download(repository: string, digest: string, size?: number, onBytes?: (n: number) => void) {
    if (!this.hubGet) throw new HubRegistryUnreachable('this node has no hub');
    const res = await this.hubGet(`/v2/${repository}/blobs/${digest}`, undefined, this.#abort.signal);
    if (res.status !== 200 || !res.body) throw await refusal(res, `blob ${digest} of ${repository}`);
    return this.cache.keep(digest, res.body, size, onBytes);
  }

  /**
   * Records and reports where the node is with release `r`, in one transaction (ignored when the track moved on to
   * another release meanwhile). Each report's `at` is later than the track's last, so the hub keeps them in order.
   * `send` false records without an event (a wait for the hub is not news).
   */
  #report(r: StoreRelease, state: StoreReleaseState, detail: string, bytes: number, retryAt?: number, send = true) {
    this.sync.write((emit) => {
      const held = this.repo.get(r.track);
      if (!held || held.releaseId !== r.releaseId) return;
      const now = this.now();
      const at = Math.max(now, held.reportedAt + 1);
      const sending = send && state !== 'PENDING';
      this.repo.setState(
        r.track,
        r.releaseId,
        { state, detail, bytes, reportedAt: sending ? at : held.reportedAt, now },
        retryAt,
      );
      if (!sending) return;
      const status: RegistryReleaseStatus = {
        reportId: randomUUID(),
        releaseId: r.releaseId,
        track: r.track,
        digest: r.digest,
        state: state as RegistryReleaseStatus['state'],
        detail,
        bytes,
        at,
      };
      emit('registry.release-status', status);
    });
  }
}

/** Only release repositories go through this node. */
export const isReleaseRepository = (name: string) => name.startsWith(RELEASE_REPOSITORY_PREFIX);
