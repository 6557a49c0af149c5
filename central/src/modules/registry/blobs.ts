import type { Readable } from 'node:stream';
import type { Queryable } from '../../db/db.js';
import { BlobNotFoundError } from '../../kernel/blobs.js';
import { asOciError, blobUnknown, MAX_BLOB_BYTES } from './blob-errors.js';
import { BlobRemovedMeanwhileError } from './errors.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { blobsRepository as sql } from './blobs-repository.js';
import type { RegistryRepositories } from './repositories.js';
import type { RegistryCaller, RegistryStorage } from './types.js';
import { RegistryUploads, type UploadState } from './upload-sessions.js';

export type { UploadState } from './upload-sessions.js';
export { MAX_BLOB_BYTES } from './blob-errors.js';

/**
 * Blobs in repositories (lane: blobs): existence and reads through a repository's link only (a blob another
 * repository pushed is not readable here until mounted or pushed here), uploads (monolithic, POST then PUT, chunked
 * PATCH with Content-Range, the streamed PATCH skopeo sends: `uploads`), cross-repository mounts, unlinking,
 * reference counts.
 */
export class RegistryBlobs {
  /** Upload sessions: start, append, status, complete, cancel. */
  readonly uploads: RegistryUploads;
  constructor(
    readonly ctx: HubContext,
    readonly storage: RegistryStorage,
    readonly repositories: RegistryRepositories,
  ) {
    this.uploads = new RegistryUploads(ctx, storage, this);
  }
  /** The blob's size when `repository` links it (and touches it, so garbage collection spares it), else null. */
  async linked(repository: string, digest: string): Promise<{ readonly size: number } | null> {
    const size = await sql.linkedSize(this.ctx.db, repository, digest);
    if (size === undefined) return null;
    await sql.touch(this.ctx.db, digest, this.ctx.now());
    return { size };
  }
  /**
   * Of `digests`, those `repository` does not link (in the caller's transaction, locking the blobs' rows `FOR SHARE`
   * so a garbage collection cannot remove one before the manifest naming it commits). Manifests call this.
   */
  async missing(q: Queryable, repository: string, digests: readonly string[]): Promise<string[]> {
    const unique = [...new Set(digests)];
    const present = await sql.linkedLocked(q, repository, unique);
    // a row whose file is gone (a collection and a push of it crossed) is missing: the client uploads it again
    for (const d of present) if (!(await this.storage.stat(d))) present.delete(d);
    return unique.filter((d) => !present.has(d));
  }
  /**
   * The blob's size when `repository` links it and its file is there (HEAD): a row whose file a collection removed
   * answers null, so the client uploads it again rather than trusting a blob no GET can read.
   */
  async present(repository: string, digest: string): Promise<{ readonly size: number } | null> {
    const blob = await this.linked(repository, digest);
    if (!blob || !(await this.storage.stat(digest))) return null;
    return blob;
  }
  /** The bytes of a blob `repository` links, or of `[start, end]`; OciError BLOB_UNKNOWN when not linked. */
  async open(
    repository: string,
    digest: string,
    range?: { readonly start: number; readonly end: number },
  ): Promise<Readable> {
    return (await this.read(repository, digest, () => range)).stream;
  }
  /**
   * A GET's blob after one link check (one query and the touch): its size, the range `rangeOf(size)` picks (it may
   * throw, as for a range outside the blob), and the stream of those bytes; OciError BLOB_UNKNOWN when not linked.
   */
  async read(
    repository: string,
    digest: string,
    rangeOf: (size: number) => { readonly start: number; readonly end: number } | undefined,
  ): Promise<{
    readonly size: number;
    readonly range: { readonly start: number; readonly end: number } | undefined;
    readonly stream: Readable;
  }> {
    const size = await sql.linkedSize(this.ctx.db, repository, digest);
    if (size === undefined) throw blobUnknown(repository, digest);
    const range = rangeOf(size); // a range outside the blob is refused (416) before the blob is touched: it changes nothing
    await sql.touch(this.ctx.db, digest, this.ctx.now());
    try {
      return { size, range, stream: await this.storage.get(digest, range) };
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw blobUnknown(repository, digest);
      throw err;
    }
  }
  /** Unlinks the blob from `repository` (DELETE); OciError BLOB_UNKNOWN when not linked. */
  async unlink(repository: string, digest: string): Promise<void> {
    const gone = await this.ctx.db.transaction((tx) => sql.unlink(tx, repository, digest, this.ctx.now()));
    if (!gone) throw blobUnknown(repository, digest);
  }
  /**
   * Links a blob `from` links into `repository` without its bytes moving; false when `from` does not link it (the
   * caller then starts an upload, as the spec says). The caller's pull right on `from` is checked by the route.
   * The quota of `repository` counts the blob (QUOTA_EXCEEDED when it does not fit).
   */
  mount(repository: string, from: string, digest: string): Promise<boolean> {
    return this.ctx.db.transaction(async (tx) => {
      const size = await sql.linkedSize(tx, from, digest, true);
      if (size === undefined) return false;
      await this.#link(tx, repository, digest, size);
      return true;
    });
  }
  /**
   * Adds a whole blob from a stream to `repository` (a monolithic upload, a mirror's copy): checked against `digest`
   * (DIGEST_INVALID), bounded by `MAX_BLOB_BYTES` (SIZE_INVALID) and the quota (QUOTA_EXCEEDED, checked before the
   * bytes are read when `size` is known, and again when linking), linked, counted.
   */
  async importBlob(repository: string, digest: string, source: Readable, size?: number): Promise<void> {
    if (size !== undefined) await this.precheckQuota(repository, digest, size);
    let stored: { digest: string; size: number };
    try {
      stored = await this.storage.put(source, { maxBytes: MAX_BLOB_BYTES, expectDigest: digest });
    } catch (err) {
      throw asOciError(err);
    }
    await this.linkStored(repository, stored.digest, stored.size);
  }
  startUpload(repository: string, caller: RegistryCaller, idempotencyKey?: string): Promise<UploadState> {
    return this.uploads.start(repository, caller, idempotencyKey);
  }

  /**
   * Refuses early (QUOTA_EXCEEDED) a blob of `size` that would not fit `repository`, unless it links it already: the
   * check before the bytes are read or moved. Linking checks again under the repository's lock.
   */
  async precheckQuota(repository: string, digest: string, size: number): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      if ((await sql.linkedSize(tx, repository, digest)) !== undefined) return;
      await this.repositories.checkQuota(tx, repository, size);
    });
  }
  /**
   * Records a blob whose bytes the storage holds under `digest` and links it into `repository` (the repository made
   * if new, its quota checked under its lock), in one transaction; `also` runs in it (an upload marks itself done).
   * Under the digest's lock (garbage collection removes a blob's row and file under it), the file must still be there:
   * a collection that removed it between the bytes' placing and now (the place already held it, so the push kept no
   * copy) makes this a BlobRemovedMeanwhileError (400, nothing recorded; the client uploads it again).
   */
  linkStored(repository: string, digest: string, size: number, also?: (tx: Queryable) => Promise<void>): Promise<void> {
    return this.ctx.db.transaction(async (tx) => {
      await sql.lockDigest(tx, digest);
      if (!(await this.storage.stat(digest))) throw new BlobRemovedMeanwhileError(digest);
      await sql.upsertBlob(tx, digest, size, this.ctx.now());
      await this.#link(tx, repository, digest, size);
      await also?.(tx);
    });
  }

  async #link(tx: Queryable, repository: string, digest: string, size: number): Promise<void> {
    const now = this.ctx.now();
    await this.repositories.ensure(tx, repository);
    if ((await sql.linkedSize(tx, repository, digest)) !== undefined) {
      await sql.touch(tx, digest, now);
      return;
    }
    await this.repositories.checkQuota(tx, repository, size);
    await sql.link(tx, repository, digest, now);
  }
}
