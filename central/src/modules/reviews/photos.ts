import { randomUUID } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { AppError, isUuid, UnprocessableError } from '@storefleet/shared';
import sharp from 'sharp';
import type { Db, Queryable } from '../../db/db.js';
import { BlobTooLargeError, type BlobStore } from '../../kernel/blobs.js';
import {
  MAX_PHOTO_PIXELS,
  MAX_PHOTO_SIDE,
  PHOTO_MEDIA_TYPES,
  PHOTO_SIZE_LIMIT,
  type PhotoMediaType,
  photoDimensions,
  photoSizeProblem,
  SNIFF_BYTES,
  sniffPhotoType,
} from './photo-types.js';
import { type PhotoRow, PhotosRepository } from './photos-repository.js';
import { enforceLimit, type ReviewLimit } from './rate-limits.js';
import { MAX_PHOTO_BYTES, MAX_PHOTOS, type ReviewPhoto } from './types.js';

/** The first bytes kept while an upload streams, to read the header from (a JPEG's metadata may come first). */
const HEAD_BYTES = 256 * 1024;
/** A photo on no review is let go this long after its upload. */
export const UNUSED_PHOTO_MS = 86_400_000;
/** Photos the sweep removes per batch. */
const SWEEP_BATCH = 500;

const unsupported = (message: string) => new AppError('unsupported-media-type', message);
const tooLarge = () =>
  new AppError('payload-too-large', `a photo is at most ${MAX_PHOTO_BYTES} bytes`, { maxBytes: MAX_PHOTO_BYTES });

/** The sweep removed the bytes of an upload between their write and its row (the same bytes, unused a day): 503. */
const sweptMeanwhile = () =>
  new AppError('unavailable', 'the photo was let go as it arrived (the same bytes were being swept); send it again');

export function photoJson(r: PhotoRow): ReviewPhoto {
  return {
    id: r.id,
    mediaType: r.mediaType,
    size: r.size,
    width: r.width,
    height: r.height,
    url: `/api/reviews/photos/${r.id}`,
  };
}

/** What an upload is told besides its bytes. */
export interface PhotoUploadOptions {
  /** The hub's clock (epoch ms); Date.now() when left out. */
  readonly at?: number;
  /** The Content-Length the client declared: past MAX_PHOTO_BYTES it is refused before a byte is read. */
  readonly contentLength?: number | null;
  /** The sha-256 (hex) the client said the bytes have (Repr-Digest): bytes that differ are refused, nothing kept. */
  readonly sha256?: string | null;
}

/**
 * Photos on no review a customer holds at once (uploaded within UNUSED_PHOTO_MS; older ones are being let go): one more
 * is 429 until a photo is put on a review or the oldest is let go.
 */
export const MAX_UNUSED_PHOTOS = 20;
const UNUSED_LIMIT: ReviewLimit = {
  max: MAX_UNUSED_PHOTOS,
  windowMs: UNUSED_PHOTO_MS,
  says: `${MAX_UNUSED_PHOTOS} photos on no review at once (put them on a review, or a photo on none is let go a day after its upload)`,
};

/**
 * Review photos (lane B) in the blob store (`<blobs>/reviews/`, by content): uploaded first by a customer (JPEG, PNG
 * or WebP, checked by their bytes, at most MAX_PHOTO_BYTES, at most MAX_PHOTO_SIDE pixels a side and MAX_PHOTO_PIXELS
 * in all, decoded whole before it is kept; at most MAX_UNUSED_PHOTOS on no review per customer), then named by their
 * review. Photos never named by a review are swept after a day. A blob is written, kept for a new row and let go under
 * one advisory lock per blob key, so the sweep never removes the bytes of a same-bytes upload arriving as it runs.
 */
export class PhotoStore {
  constructor(readonly blobs: BlobStore) {}

  /** Stores an upload of `customerId`'s; resolves with the photo (not yet on a review). */
  async upload(
    db: Db,
    customerId: string,
    body: Readable,
    declaredType: string | undefined,
    opts: PhotoUploadOptions = {},
  ): Promise<ReviewPhoto> {
    const declared = declaredType === undefined || declaredType === '' ? null : declaredType;
    if (declared !== null && !(PHOTO_MEDIA_TYPES as readonly string[]).includes(declared))
      throw unsupported(
        `a photo is JPEG, PNG or WebP (image/jpeg, image/png, image/webp), not ${declared.slice(0, 80)}`,
      );
    if (opts.contentLength != null && opts.contentLength > MAX_PHOTO_BYTES) throw tooLarge();
    const at = opts.at ?? Date.now();
    // refused before a byte is read; checked again under the customer's lock when the row is written
    await this.#enforceQuota(new PhotosRepository(db), customerId, at);
    const sniffer = new HeaderSniffer(declared);
    body.on('error', (err) => sniffer.destroy(err));
    // a short body can end (and be refused) before the blob store listens: the refusal is read from `errored` below
    sniffer.on('error', () => {});
    let stored: { key: string; size: number };
    try {
      stored = await this.blobs.put(body.pipe(sniffer), {
        maxBytes: MAX_PHOTO_BYTES,
        ...(opts.sha256 ? { expectSha256: opts.sha256 } : {}),
      });
    } catch (err) {
      body.unpipe(sniffer);
      if (err instanceof BlobTooLargeError) throw tooLarge();
      if (err instanceof Error && err.name === 'BlobDigestMismatchError')
        throw new UnprocessableError(`the photo's bytes do not match the digest sent: ${err.message}`);
      throw err;
    }
    let row: PhotoRow;
    try {
      if (sniffer.errored) throw sniffer.errored;
      const { type, width, height } = sniffer.result();
      const decoded = await this.#decode(stored.key, type);
      row = {
        id: randomUUID(),
        customerId,
        reviewId: null,
        position: null,
        blobKey: stored.key,
        mediaType: type,
        size: stored.size,
        width: width ?? decoded.width,
        height: height ?? decoded.height,
        createdAt: at,
      };
      await db.transaction(async (tx) => {
        const repo = new PhotosRepository(tx);
        await repo.lockCustomer(customerId);
        await this.#enforceQuota(repo, customerId, at);
        await repo.lockBlob(stored.key);
        // the sweep removes a blob no row names under this lock: bytes it took since they were written are gone
        if (!(await this.blobs.stat(stored.key)))
          throw new AppError(
            'unavailable',
            'the photo was let go as it arrived (the same bytes, swept); send it again',
          );
        await repo.insert(row);
      });
    } catch (err) {
      await this.#letGo(db, stored.key);
      throw err;
    }
    return photoJson(row);
  }

  /** Throws RateLimitedError when the customer holds MAX_UNUSED_PHOTOS photos on no review uploaded within a day. */
  async #enforceQuota(repo: PhotosRepository, customerId: string, at: number): Promise<void> {
    enforceLimit(UNUSED_LIMIT, await repo.unusedTimes(customerId, at - UNUSED_PHOTO_MS, MAX_UNUSED_PHOTOS), at);
  }

  /**
   * Decodes the whole stored image (libvips, at most MAX_PHOTO_PIXELS, a cut or damaged file refused): a header
   * followed by anything but its image is no photo. Resolves with its size.
   */
  async #decode(key: string, type: PhotoMediaType): Promise<{ width: number; height: number }> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of await this.blobs.get(key)) chunks.push(chunk as Buffer);
    } catch (err) {
      if (err instanceof Error && err.name === 'BlobNotFoundError') throw sweptMeanwhile();
      throw err;
    }
    const bytes = Buffer.concat(chunks);
    const options = { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'truncated', sequentialRead: true } as const;
    try {
      const meta = await sharp(bytes, options).metadata();
      const problem = photoSizeProblem(meta.width ?? 0, meta.height ?? 0);
      if (problem) throw new UnprocessableError(problem, { maxSide: MAX_PHOTO_SIDE, maxPixels: MAX_PHOTO_PIXELS });
      await sharp(bytes, options).stats();
      return { width: meta.width!, height: meta.height! };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof Error && /pixel limit/i.test(err.message))
        throw new UnprocessableError(PHOTO_SIZE_LIMIT, { maxSide: MAX_PHOTO_SIDE, maxPixels: MAX_PHOTO_PIXELS });
      throw unsupported(`the ${type} image does not decode (a damaged or cut file, or no image after its header)`);
    }
  }

  /** Removes the blob unless a row names it, under the blob key's lock (the upload's and the sweep's). */
  async #letGo(db: Db, key: string): Promise<void> {
    await db.transaction(async (tx) => {
      const repo = new PhotosRepository(tx);
      await repo.lockBlob(key);
      if (!(await repo.keysInUse([key])).has(key)) await this.blobs.delete(key);
    });
  }

  /**
   * Puts `photoIds` (in that order) on the review, in the caller's transaction; photos it had and no longer names are
   * let go. Throws UnprocessableError for a photo that is not the customer's, is on another review, or does not exist.
   */
  async attach(tx: Queryable, customerId: string, reviewId: string, photoIds: readonly string[]): Promise<number> {
    if (photoIds.length > MAX_PHOTOS) throw new UnprocessableError(`a review has at most ${MAX_PHOTOS} photos`);
    const ids = photoIds.map((id) => (isUuid(id) ? id.toLowerCase() : id));
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) throw new UnprocessableError(`photo ${id} is named twice`, { photoId: id });
      seen.add(id);
    }
    const repo = new PhotosRepository(tx);
    const rows = await repo.lockMany(ids.filter((id) => isUuid(id)));
    for (const id of ids) {
      const row = rows.get(id);
      if (!row || row.customerId !== customerId)
        throw new UnprocessableError(`photo ${id} is not one this customer uploaded`, { photoId: id });
      if (row.reviewId !== null && row.reviewId !== reviewId)
        throw new UnprocessableError(`photo ${id} is on another review`, { photoId: id });
    }
    await repo.place(reviewId, ids);
    return ids.length;
  }

  /** The photos of each review, in order. */
  async ofReviews(q: Queryable, reviewIds: readonly string[]): Promise<Map<string, ReviewPhoto[]>> {
    const out = new Map<string, ReviewPhoto[]>();
    for (const row of await new PhotosRepository(q).ofReviews(reviewIds)) {
      const list = out.get(row.reviewId!) ?? [];
      list.push(photoJson(row));
      out.set(row.reviewId!, list);
    }
    return out;
  }

  /**
   * A photo to serve and its bytes: on an APPROVED review for anyone, any photo for head office; undefined
   * otherwise (and when its bytes are gone).
   */
  async open(
    q: Queryable,
    photoId: string,
    headOffice: boolean,
  ): Promise<{ photo: ReviewPhoto; body: Readable } | undefined> {
    const row = await new PhotosRepository(q).withReviewStatus(photoId);
    if (!row || (!headOffice && row.reviewStatus !== 'APPROVED')) return undefined;
    try {
      return { photo: photoJson(row), body: await this.blobs.get(row.blobKey) };
    } catch (err) {
      if (err instanceof Error && err.name === 'BlobNotFoundError') return undefined;
      throw err;
    }
  }

  /**
   * Removes photos on no review uploaded more than UNUSED_PHOTO_MS before `now`: the rows, then each blob no other row
   * names (checked and removed under the blob key's lock, which an upload of the same bytes takes to write its row).
   * Returns how many photos it removed.
   */
  async sweep(db: Db, now: number, signal?: AbortSignal): Promise<number> {
    const repo = new PhotosRepository(db);
    let removed = 0;
    for (;;) {
      signal?.throwIfAborted();
      const batch = await repo.unusedBefore(now - UNUSED_PHOTO_MS, SWEEP_BATCH);
      if (batch.length === 0) break;
      const deleted = new Set(await repo.deleteUnused(batch.map((b) => b.id)));
      removed += deleted.size;
      const keys = [...new Set(batch.filter((b) => deleted.has(b.id)).map((b) => b.blobKey))];
      for (const key of keys) await this.#letGo(db, key);
      if (batch.length < SWEEP_BATCH) break;
    }
    return removed;
  }
}

/**
 * Passes the bytes through while keeping the first HEAD_BYTES: refuses (415) as soon as the first bytes are no JPEG,
 * PNG or WebP or disagree with the declared type, and at the end reads the dimensions from the header kept.
 */
class HeaderSniffer extends Transform {
  #head: Buffer[] = [];
  #headLength = 0;
  #type: PhotoMediaType | null = null;
  #dims: { width: number; height: number } | null = null;

  constructor(readonly declared: string | null) {
    super();
  }

  result(): { type: PhotoMediaType; width: number | null; height: number | null } {
    if (!this.#type) throw unsupported('the upload is no JPEG, PNG or WebP image');
    return { type: this.#type, width: this.#dims?.width ?? null, height: this.#dims?.height ?? null };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    if (this.#headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.#headLength);
      this.#head.push(part);
      this.#headLength += part.length;
      if (this.#type === null && this.#headLength >= SNIFF_BYTES) {
        const err = this.#sniff();
        if (err) {
          done(err);
          return;
        }
      }
      // a size past the limits is refused as soon as the header tells it, before the rest is read
      if (this.#type !== null && this.#dims === null) {
        const dims = photoDimensions(this.#type, this.#joined());
        if (typeof dims === 'object') {
          this.#dims = dims;
          const problem = photoSizeProblem(dims.width, dims.height);
          if (problem) {
            done(new UnprocessableError(problem, { maxSide: MAX_PHOTO_SIDE, maxPixels: MAX_PHOTO_PIXELS }));
            return;
          }
        }
      }
    }
    done(null, chunk);
  }

  override _flush(done: (err?: Error | null) => void): void {
    if (this.#type === null) {
      const err = this.#sniff();
      if (err) {
        done(err);
        return;
      }
    }
    if (this.#dims !== null) {
      done();
      return;
    }
    const dims = photoDimensions(this.#type!, this.#joined());
    if (dims === 'invalid' || (dims === 'more' && this.#headLength < HEAD_BYTES)) {
      done(unsupported(`the ${this.#type} image's header cannot be read (a damaged or cut file)`));
      return;
    }
    // a JPEG whose frame header lies past the first HEAD_BYTES: its size is read when it is decoded
    if (dims !== 'more') {
      this.#dims = dims;
      const problem = photoSizeProblem(dims.width, dims.height);
      if (problem) {
        done(new UnprocessableError(problem, { maxSide: MAX_PHOTO_SIDE, maxPixels: MAX_PHOTO_PIXELS }));
        return;
      }
    }
    done();
  }

  #joined(): Buffer {
    if (this.#head.length > 1) this.#head = [Buffer.concat(this.#head)];
    return this.#head[0] ?? Buffer.alloc(0);
  }

  #sniff(): Error | null {
    const head = Buffer.concat(this.#head);
    this.#head = [head];
    const type = sniffPhotoType(head);
    if (type === null) return unsupported('the upload is no JPEG, PNG or WebP image (told by its bytes)');
    if (this.declared !== null && this.declared !== type)
      return unsupported(`the bytes are ${type}, not the ${this.declared.slice(0, 80)} declared`);
    this.#type = type;
    return null;
  }
}
