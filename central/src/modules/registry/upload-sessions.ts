import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BlobTooLargeError } from '../../kernel/blobs.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { asOciError, MAX_BLOB_BYTES } from './blob-errors.js';
import type { RegistryBlobs } from './blobs.js';
import { blobsRepository as sql, type UploadRow } from './blobs-repository.js';
import { BlobRemovedMeanwhileError, OciError } from './errors.js';
import { type RegistryCaller, type RegistryStorage, UploadOffsetError } from './types.js';

/** Open upload sessions one caller may hold at once (an open session holds a row and a file until it goes idle). */
export const MAX_OPEN_UPLOADS = 100;

/** An upload session as the API answers it (`Location`, `Range`, `Docker-Upload-UUID`). */
export interface UploadState {
  readonly id: string;
  readonly repository: string;
  readonly received: number;
}

/** A chunk that does not start where the session is (416): the route answers the session's `Range` with it. */
export class UploadRangeError extends OciError {
  constructor(
    readonly upload: UploadState,
    message: string,
  ) {
    super('RANGE_INVALID', message, { received: upload.received });
  }
}

/**
 * Upload sessions (lane: blobs). A session belongs to its repository and its owner (`caller.subject`): anyone else
 * asking about it hears BLOB_UPLOAD_UNKNOWN, as for a session that never was. Its bytes are the storage's upload file;
 * the file is the truth about what was received (a hub that stopped between writing a chunk and recording it finds
 * the chunk on disk, and the row follows). A completed session keeps its row with the digest, so a PUT sent again
 * answers the same blob; the idle sweep (gc) removes old rows.
 */
export class RegistryUploads {
  constructor(
    readonly ctx: HubContext,
    readonly storage: RegistryStorage,
    readonly blobs: RegistryBlobs,
  ) {}

  /** A new session, or with `idempotencyKey` the one this caller started with it before (BLOB_UPLOAD_INVALID when that was in another repository). */
  async start(repository: string, caller: RegistryCaller, idempotencyKey?: string): Promise<UploadState> {
    const key = idempotencyKey?.trim() || null;
    if (key !== null && key.length > 255)
      throw new OciError('BLOB_UPLOAD_INVALID', 'the Idempotency-Key header is longer than 255 characters');
    const again = key === null ? undefined : await sql.uploadByKey(this.ctx.db, caller.subject, key);
    if (!again) await this.#underCap(caller);
    const row =
      again ??
      (await sql.insertUpload(
        this.ctx.db,
        { id: randomUUID(), repository, owner: caller.subject, idempotencyKey: key },
        this.ctx.now(),
      )) ??
      (key === null ? undefined : await sql.uploadByKey(this.ctx.db, caller.subject, key));
    if (!row) throw new Error(`registry: upload session for ${repository} was neither made nor found`);
    if (row.repository !== repository)
      throw new OciError(
        'BLOB_UPLOAD_INVALID',
        `the Idempotency-Key ${JSON.stringify(key)} was used for an upload to ${row.repository}; use a new key for ${repository}`,
      );
    if (row.completedDigest !== null)
      throw new OciError(
        'BLOB_UPLOAD_INVALID',
        `the Idempotency-Key ${JSON.stringify(key)} names an upload already completed as ${row.completedDigest}; use a new key`,
      );
    return this.#state(row);
  }

  /** The session's state (BLOB_UPLOAD_UNKNOWN when it is not the caller's open session in `repository`). */
  async status(repository: string, caller: RegistryCaller, id: string): Promise<UploadState> {
    return this.#state(await this.#open(repository, caller, id));
  }

  /**
   * Appends `source` to the session. With `range` (the request's Content-Range), the chunk must start at the bytes
   * received (else UploadRangeError, 416, nothing changed) and hold no more than it says (else 400, nothing kept);
   * without it (the streamed PATCH) it is appended whole. A
   * chunk that fails midway (the client went away) is not kept: the session stays as it was before it.
   */
  async append(
    repository: string,
    caller: RegistryCaller,
    id: string,
    source: Readable,
    range?: { readonly start: number; readonly end: number },
  ): Promise<UploadState> {
    const row = await this.#open(repository, caller, id);
    const held = await this.#reconcile(row);
    const state = { id, repository, received: held };
    if (range && range.start !== held)
      throw new UploadRangeError(
        state,
        `the chunk starts at byte ${range.start}, but the upload holds ${held} bytes: send from byte ${held}`,
      );
    // a chunk with a Content-Range is bounded by it (a chunked body has no Content-Length to check first)
    const bound = range ? Math.min(range.end + 1, MAX_BLOB_BYTES) : MAX_BLOB_BYTES;
    let received: number;
    try {
      received = await this.storage.appendUpload(id, source, { offset: held, maxBytes: bound });
    } catch (err) {
      if (err instanceof UploadOffsetError)
        throw new UploadRangeError({ id, repository, received: err.expected }, err.message);
      if (range && err instanceof BlobTooLargeError && bound < MAX_BLOB_BYTES)
        throw new OciError(
          'BLOB_UPLOAD_INVALID',
          `the body runs past its Content-Range ${range.start}-${range.end}; nothing of it was kept`,
        );
      throw asOciError(err);
    }
    await sql.setReceived(this.ctx.db, id, received, this.ctx.now());
    return { id, repository, received };
  }

  /**
   * Ends the session as the blob `digest`, after appending `finalChunk` when given: the bytes' SHA-256 must be
   * `digest` (DIGEST_INVALID, the session kept for the client to fix), the repository's quota must hold them
   * (QUOTA_EXCEEDED, nothing linked). A PUT sent again for a session completed with the same digest answers the same.
   */
  async complete(
    repository: string,
    caller: RegistryCaller,
    id: string,
    digest: string,
    finalChunk?: Readable,
  ): Promise<{ digest: string; size: number }> {
    const row = await this.#row(repository, caller, id);
    if (row.completedDigest !== null) {
      if (row.completedDigest === digest) return { digest, size: row.received };
      throw unknownUpload(id);
    }
    if (finalChunk) await this.append(repository, caller, id, finalChunk);
    const size = await this.storage.uploadSize(id);
    await this.blobs.precheckQuota(repository, digest, size);
    let stored: { digest: string; size: number };
    try {
      stored = await this.storage.commitUpload(id, digest);
    } catch (err) {
      throw asOciError(err);
    }
    try {
      await this.blobs.linkStored(repository, stored.digest, stored.size, (tx) =>
        sql.completeUpload(tx, id, stored.digest, stored.size, this.ctx.now()),
      );
    } catch (err) {
      // a collection removed the blob as this upload reached its address: the session stays open (now empty, its
      // Range says so) for the client to send the bytes again
      if (err instanceof BlobRemovedMeanwhileError) throw err;
      // the bytes were moved to their address but not linked (the quota filled meanwhile): the session cannot go on;
      // the unlinked blob is garbage collection's
      await sql.deleteUpload(this.ctx.db, id);
      throw err;
    }
    return stored;
  }

  /** Drops the session and its bytes (BLOB_UPLOAD_UNKNOWN when it is not the caller's open session). */
  async cancel(repository: string, caller: RegistryCaller, id: string): Promise<void> {
    await this.#open(repository, caller, id);
    await sql.deleteUpload(this.ctx.db, id);
    await this.storage.dropUpload(id);
  }

  /** TOOMANYREQUESTS (429) when the caller holds `MAX_OPEN_UPLOADS` open sessions already. */
  async #underCap(caller: RegistryCaller): Promise<void> {
    const open = await sql.openUploads(this.ctx.db, caller.subject);
    if (open < MAX_OPEN_UPLOADS) return;
    const idleMs = this.ctx.settings.tuning.registryUploadIdleMs;
    throw new OciError(
      'TOOMANYREQUESTS',
      `${caller.subject} has ${open} upload sessions open, the most one caller may hold: complete or cancel some ` +
        `(DELETE the session); a session idle for ${Math.round(idleMs / 60_000)} minutes (REGISTRY_UPLOAD_IDLE_MS) is dropped`,
      { open, max: MAX_OPEN_UPLOADS },
    );
  }
  async #row(repository: string, caller: RegistryCaller, id: string): Promise<UploadRow> {
    const row = await sql.upload(this.ctx.db, id);
    if (!row || row.repository !== repository || row.owner !== caller.subject) throw unknownUpload(id);
    return row;
  }
  async #open(repository: string, caller: RegistryCaller, id: string): Promise<UploadRow> {
    const row = await this.#row(repository, caller, id);
    if (row.completedDigest !== null) throw unknownUpload(id);
    return row;
  }
  /** The bytes on disk; the row follows the file when they differ (a chunk written, then the hub stopped). */
  async #reconcile(row: UploadRow): Promise<number> {
    const held = await this.storage.uploadSize(row.id);
    if (held !== row.received) await sql.setReceived(this.ctx.db, row.id, held, this.ctx.now());
    return held;
  }
  async #state(row: UploadRow): Promise<UploadState> {
    return { id: row.id, repository: row.repository, received: await this.#reconcile(row) };
  }
}

function unknownUpload(id: string): OciError {
  return new OciError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is not an open upload session of yours in this repository`);
}
