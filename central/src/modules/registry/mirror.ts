import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ConflictError, OCI_DIGEST, OCI_NAME, OCI_TAG, type UserId } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import type { RegistryBlobs } from './blobs.js';
import type { RegistryManifests } from './manifests.js';
import { type FetchedManifest, MirrorClient, MirrorSourceError, type MirrorTokens } from './mirror-client.js';
import { type MirrorCounts, MirrorRepository } from './mirror-repository.js';
import type { RegistryCaller } from './types.js';

export const REGISTRY_MIRROR_JOB = 'registry.mirror';

/** Bytes of a blob held in memory before they go to the upload file: what a cut-off copy can lose at most. */
const APPEND_CHUNK = 1024 * 1024;
/** A RUNNING run older than this is one a dead process left. */
const STALE_RUN_MS = 6 * 3_600_000;
/** How deep an index of indexes is followed. */
const MAX_DEPTH = 4;

/** Who stores what the mirror copies (manifests' `put` takes a caller). */
const MIRROR_CALLER: RegistryCaller = {
  principal: { kind: 'user', userId: 'system:registry-mirror' as UserId, role: 'ADMIN', storeId: null },
  subject: 'system:registry-mirror',
  address: '',
};

/** The upload file a blob's copy goes to: one per digest, so a run after a cut-off copy finds the bytes held. */
function uploadIdOf(digest: string): string {
  const h = createHash('sha256').update(`registry-mirror:${digest}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Descriptorish {
  readonly digest?: unknown;
  readonly size?: unknown;
}
const descriptors = (v: unknown): Descriptorish[] =>
  Array.isArray(v) ? v.filter((d): d is Descriptorish => typeof d === 'object' && d !== null) : [];

/**
 * Replication (lane: mirror-console): a hub with REGISTRY_MIRROR_OF pulls, on the job `registry.mirror` (every
 * tuning.registryMirrorEveryMs) or when an admin asks (`POST /api/registry/mirror/runs`), the tags of the repositories
 * it mirrors from that registry's `/v2/` (token auth as any client), copying by digest what it does not hold.
 *
 * One run: the source's catalog (or, when the credential may not list it, REGISTRY_MIRROR_REPOSITORIES as full
 * names), filtered by the configured prefixes; per repository its tags; per tag whose digest differs from the last
 * one copied: the manifest, an index's child manifests, and every blob the repository here does not link — from this
 * hub's storage when another repository here holds it, else streamed from the source into an upload file named by
 * its digest. A copy cut off keeps the bytes it received; the next run asks the source for the rest (`Range`). The
 * manifest is stored last (so a tag never names what is not here), through `manifests.put`. Tags deleted at the
 * source are left here. One run at a time across the hubs on the database (registry_mirror_runs).
 */
export class RegistryMirror {
  readonly #repo: MirrorRepository;
  #abort = new AbortController();
  readonly #running = new Set<Promise<void>>();
  /** The source's tokens, kept across runs for their lifetime: one sign-in there per lifetime, not per run. */
  readonly #tokens: MirrorTokens = new Map();

  constructor(
    readonly ctx: HubContext,
    readonly blobs: RegistryBlobs,
    readonly manifests: RegistryManifests,
  ) {
    this.#repo = new MirrorRepository(ctx.db);
  }

  get repository(): MirrorRepository {
    return this.#repo;
  }

  /** Defines and schedules the job when this hub mirrors another; nothing otherwise. */
  async start(): Promise<void> {
    if (!this.ctx.settings.registry.mirror) return;
    this.#abort = new AbortController();
    this.ctx.jobs.define({
      name: REGISTRY_MIRROR_JOB,
      timeoutMs: Number.POSITIVE_INFINITY,
      run: async (job) => {
        const id = await this.#repo.open(this.ctx.now(), this.ctx.now() - STALE_RUN_MS);
        if (id) await this.#run(id, job.signal);
      },
    });
    await this.ctx.jobs.schedule(REGISTRY_MIRROR_JOB, { everyMs: this.ctx.settings.tuning.registryMirrorEveryMs });
  }

  /** Stops a run in progress (it is closed FAILED, its partial blob kept for the next) and waits for it. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#running]);
  }

  /**
   * Starts a run now, in this process; resolves with its id once it is recorded (the copy goes on after). Conflict
   * (409) when this hub mirrors nothing or a run is going on.
   */
  async runNow(): Promise<string> {
    if (!this.ctx.settings.registry.mirror)
      throw new ConflictError('this hub mirrors no registry (REGISTRY_MIRROR_OF is not set)');
    const id = await this.#repo.open(this.ctx.now(), this.ctx.now() - STALE_RUN_MS);
    if (!id) throw new ConflictError('a mirror run is going on; wait for it to end');
    const p = this.#run(id, this.#abort.signal).finally(() => this.#running.delete(p));
    this.#running.add(p);
    return id;
  }

  /** Waits for the runs this process started (tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  async #run(id: string, outer: AbortSignal): Promise<void> {
    const settings = this.ctx.settings.registry.mirror;
    const counts: MirrorCounts = { manifestsCopied: 0, blobsCopied: 0, bytesCopied: 0, blobsSkipped: 0 };
    if (!settings) return;
    const signal = AbortSignal.any([outer, this.#abort.signal]);
    const client = new MirrorClient(settings, signal, this.ctx.now, this.#tokens);
    const failed: string[] = [];
    try {
      await client.connect();
      const repositories = await this.#repositories(client);
      await client.authorize(repositories.map((r) => `repository:${r}:pull`));
      for (const repository of repositories) {
        for (const tag of await client.tags(repository)) {
          if (signal.aborted) throw new Error('the hub is stopping');
          if (!OCI_TAG.test(tag)) continue;
          try {
            await this.#copyTag(client, repository, tag, counts);
          } catch (err) {
            if (signal.aborted || (err instanceof MirrorSourceError && err.fatal)) throw err;
            const detail = err instanceof Error ? err.message : String(err);
            failed.push(`${repository}:${tag}: ${detail}`);
            await this.#repo.setTag(repository, tag, { digest: null, state: 'FAILED', detail }, this.ctx.now());
          }
          await this.#repo.progress(id, counts);
        }
      }
      const detail = failed.length ? `${failed.length} tag(s) not copied; first: ${failed[0]!.slice(0, 400)}` : null;
      await this.#repo.close(id, failed.length ? 'FAILED' : 'DONE', counts, detail, this.ctx.now());
    } catch (err) {
      const detail = signal.aborted
        ? 'stopped: the hub is stopping (blobs part-copied are kept for the next run)'
        : err instanceof Error
          ? err.message
          : String(err);
      this.ctx.log.warn({ runId: id, detail }, 'registry mirror run failed');
      await this.#repo.close(id, 'FAILED', counts, detail.slice(0, 1000), this.ctx.now()).catch((e: unknown) => {
        this.ctx.log.error({ err: e, runId: id }, 'registry mirror: the run could not be closed');
      });
    }
  }

  /** The repositories to mirror: the catalog under the prefixes, or the configured full names when it is refused. */
  async #repositories(client: MirrorClient): Promise<string[]> {
    const prefixes = this.ctx.settings.registry.mirror?.repositories ?? [];
    let names: string[];
    try {
      names = await client.catalog();
    } catch (err) {
      if (!(err instanceof MirrorSourceError) || err.reason !== 'denied') throw err;
      if (prefixes.length === 0)
        throw new MirrorSourceError(
          "the source does not let the mirror's credential list its repositories (that needs an ADMIN there); with a store's credential set REGISTRY_MIRROR_REPOSITORIES to the full names to mirror",
          true,
        );
      return prefixes.filter((n) => OCI_NAME.test(n));
    }
    return names.filter((n) => OCI_NAME.test(n) && (prefixes.length === 0 || prefixes.some((p) => n.startsWith(p))));
  }

  async #copyTag(client: MirrorClient, repository: string, tag: string, counts: MirrorCounts): Promise<void> {
    const headDigest = await client.manifestDigest(repository, tag);
    const done = await this.#repo.doneDigest(repository, tag);
    const unchanged = async (d: string) => done === d && (await this.manifests.get(repository, tag))?.digest === d;
    if (headDigest && (await unchanged(headDigest))) return;
    const top = await client.manifest(repository, headDigest ?? tag);
    // a source that does not answer HEAD with the digest: the bytes tell whether anything changed
    if (!headDigest && (await unchanged(top.digest))) return;
    const digest = top.digest;
    const before = counts.bytesCopied;
    await this.#repo.setTag(repository, tag, { digest, state: 'COPYING' }, this.ctx.now());
    try {
      await this.#copyContent(client, repository, top, counts, 0);
      await this.manifests.put(repository, tag, top.body, top.mediaType, MIRROR_CALLER);
      counts.manifestsCopied++;
    } finally {
      // the bytes received count even when the tag failed: they are held for the next run
      const copied = counts.bytesCopied - before;
      if (copied > 0)
        await this.#repo.setTag(repository, tag, { digest, state: 'COPYING', bytesCopied: copied }, this.ctx.now());
    }
    await this.#repo.setTag(repository, tag, { digest: top.digest, state: 'DONE' }, this.ctx.now());
  }

  /** What a manifest names, before the manifest: an index's children (each stored by digest), else its blobs. */
  async #copyContent(
    client: MirrorClient,
    repository: string,
    m: FetchedManifest,
    counts: MirrorCounts,
    depth: number,
  ): Promise<void> {
    let doc: { manifests?: unknown; config?: unknown; layers?: unknown };
    try {
      doc = JSON.parse(m.body.toString('utf8')) as typeof doc;
    } catch {
      throw new MirrorSourceError(`manifest ${repository}@${m.digest} is not JSON`, false);
    }
    for (const child of descriptors(doc.manifests)) {
      if (typeof child.digest !== 'string' || !OCI_DIGEST.test(child.digest)) continue;
      if (await this.manifests.get(repository, child.digest)) continue;
      if (depth >= MAX_DEPTH) throw new MirrorSourceError(`manifest ${m.digest} nests indexes too deep`, false);
      const fetched = await client.manifest(repository, child.digest);
      await this.#copyContent(client, repository, fetched, counts, depth + 1);
      await this.manifests.put(repository, child.digest, fetched.body, fetched.mediaType, MIRROR_CALLER);
      counts.manifestsCopied++;
    }
    const blobs = [...(doc.config ? [doc.config as Descriptorish] : []), ...descriptors(doc.layers)];
    for (const b of blobs) {
      if (typeof b.digest !== 'string' || !OCI_DIGEST.test(b.digest)) continue;
      const size = typeof b.size === 'number' && Number.isSafeInteger(b.size) && b.size >= 0 ? b.size : null;
      await this.#copyBlob(client, repository, b.digest, size, counts);
    }
  }

  /**
   * Makes `repository` here link blob `digest`: nothing when it does; the file this hub holds, linked where it lies,
   * when another repository here holds it; else streamed from the source into an upload file (an upload session of
   * the mirror, so garbage collection keeps it while it is not idle), resuming from the bytes an earlier cut-off copy
   * kept, then committed to its address and linked: the bytes are written once.
   */
  async #copyBlob(
    client: MirrorClient,
    repository: string,
    digest: string,
    size: number | null,
    counts: MirrorCounts,
  ): Promise<void> {
    if (await this.blobs.linked(repository, digest)) {
      counts.blobsSkipped++;
      return;
    }
    // a blob that would not fit the repository's quota is refused before a byte moves
    if (size !== null) await this.blobs.precheckQuota(repository, digest, size);
    const storage = this.blobs.storage;
    const local = await storage.stat(digest);
    if (local && (size === null || local.size === size)) {
      await this.blobs.linkStored(repository, digest, local.size);
      counts.blobsSkipped++;
      return;
    }
    const id = uploadIdOf(digest);
    let held = await storage.uploadSize(id);
    // the session row comes before any byte, and is touched when a run resumes the copy
    await this.#repo.holdUpload(id, repository, MIRROR_CALLER.subject, held, this.ctx.now());
    if (size !== null && held > size) {
      await storage.dropUpload(id);
      held = 0;
    }
    if (size === null || held < size) {
      const { stream, partial } = await client.blob(repository, digest, held);
      if (!partial && held > 0) {
        await storage.dropUpload(id);
        held = 0;
      }
      await this.#append(id, repository, held, stream, size, counts);
    }
    let stored: { digest: string; size: number };
    try {
      stored = await storage.commitUpload(id, digest);
    } catch (err) {
      // bytes that do not hash to the digest are of no use to a later run
      await storage.dropUpload(id);
      await this.#repo.releaseUpload(id);
      throw new MirrorSourceError(
        `blob ${repository}@${digest}: the bytes received do not match the digest (${err instanceof Error ? err.message : String(err)})`,
        false,
      );
    }
    await this.#repo.releaseUpload(id);
    counts.blobsCopied++;
    await this.blobs.linkStored(repository, stored.digest, stored.size);
  }

  /**
   * Appends a blob's stream to its upload file in chunks of APPEND_CHUNK, so a connection that drops loses nothing
   * it delivered: what was received before the error is written, then the error goes on.
   */
  async #append(
    id: string,
    repository: string,
    offset: number,
    stream: Readable,
    size: number | null,
    counts: MirrorCounts,
  ) {
    const storage = this.blobs.storage;
    let at = offset;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    const flush = async () => {
      if (bufferedBytes === 0) return;
      const chunk = Buffer.concat(buffered, bufferedBytes);
      buffered = [];
      bufferedBytes = 0;
      at = await storage.appendUpload(id, Readable.from([chunk]), { offset: at });
      counts.bytesCopied += chunk.length;
      // a long copy keeps its session from looking idle to garbage collection
      await this.#repo.holdUpload(id, repository, MIRROR_CALLER.subject, at, this.ctx.now());
    };
    try {
      for await (const piece of stream) {
        const b = piece as Buffer;
        buffered.push(b);
        bufferedBytes += b.length;
        if (size !== null && at + bufferedBytes > size)
          throw new MirrorSourceError(`blob ${id}: longer than its descriptor says`, false);
        if (bufferedBytes >= APPEND_CHUNK) await flush();
      }
      await flush();
    } catch (err) {
      await flush().catch(() => undefined);
      stream.destroy();
      throw err instanceof MirrorSourceError
        ? err
        : new MirrorSourceError(
            `a blob's copy was cut off after ${at} bytes (kept for the next run): ${err instanceof Error ? err.message : String(err)}`,
            false,
          );
    }
  }
}
