import { randomUUID } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { AppError, isUuid, UnprocessableError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { BlobTooLargeError, type BlobStore } from '../../kernel/blobs.js';
import { PHOTO_MEDIA_TYPES, type PhotoMediaType, photoDimensions, SNIFF_BYTES, sniffPhotoType } from './photo-types.js';
import { type PhotoRow, PhotosRepository } from './photos-repository.js';
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
 * Review photos (lane B) in the blob store (`<blobs>/reviews/`, by content): uploaded first by a customer (JPEG, PNG
 * or WebP, checked by their bytes, at most MAX_PHOTO_BYTES, dimensions read from the header), then named by their
 * review. Photos never named by a review are swept after a day.
 */
export class PhotoStore {
  constructor(readonly blobs: BlobStore) {}

  /** Stores an upload of `customerId`'s; resolves with the photo (not yet on a review). */
  async upload(
    q: Queryable,
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
    let sniffed: ReturnType<HeaderSniffer['result']>;
    try {
      if (sniffer.errored) throw sniffer.errored;
      sniffed = sniffer.result();
    } catch (err) {
      if (!(await new PhotosRepository(q).keysInUse([stored.key])).has(stored.key)) await this.blobs.delete(stored.key);
      throw err;
    }
    const { type, width, height } = sniffed;
    const row: PhotoRow = {
      id: randomUUID(),
      customerId,
      reviewId: null,
      position: null,
      blobKey: stored.key,
      mediaType: type,
      size: stored.size,
      width,
      height,
      createdAt: opts.at ?? Date.now(),
    };
    await new PhotosRepository(q).insert(row);
    return photoJson(row);
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
   * names. Returns how many photos it removed.
   */
  async sweep(q: Queryable, now: number, signal?: AbortSignal): Promise<number> {
    const repo = new PhotosRepository(q);
    let removed = 0;
    for (;;) {
      signal?.throwIfAborted();
      const batch = await repo.unusedBefore(now - UNUSED_PHOTO_MS, SWEEP_BATCH);
      if (batch.length === 0) break;
      const deleted = new Set(await repo.deleteUnused(batch.map((b) => b.id)));
      removed += deleted.size;
      const keys = [...new Set(batch.filter((b) => deleted.has(b.id)).map((b) => b.blobKey))];
      const inUse = await repo.keysInUse(keys);
      for (const key of keys) if (!inUse.has(key)) await this.blobs.delete(key);
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
    const head = Buffer.concat(this.#head);
    const dims = photoDimensions(this.#type!, head);
    if (dims === 'invalid' || (dims === 'more' && this.#headLength < HEAD_BYTES)) {
      done(unsupported(`the ${this.#type} image's header cannot be read (a damaged or cut file)`));
      return;
    }
    // a JPEG whose frame header lies past the first HEAD_BYTES: kept, its size unknown
    if (dims !== 'more') this.#dims = dims;
    done();
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
