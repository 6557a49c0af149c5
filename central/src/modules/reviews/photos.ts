import type { Readable } from 'node:stream';
import type { Queryable } from '../../db/db.js';
import type { BlobStore } from '../../kernel/blobs.js';
import { notBuilt } from './not-built.js';
import type { ReviewPhoto } from './types.js';

/**
 * Review photos (lane B) in the blob store (`<blobs>/reviews/`, by content): uploaded first by a customer (JPEG, PNG
 * or WebP, checked by their bytes, at most MAX_PHOTO_BYTES, dimensions read from the header), then named by their
 * review. Photos never named by a review are swept after a day.
 */
export class PhotoStore {
  constructor(readonly blobs: BlobStore) {}

  /** Stores an upload of `customerId`'s; resolves with the photo (not yet on a review). */
  async upload(
    _q: Queryable,
    _customerId: string,
    _body: Readable,
    _declaredType: string | undefined,
  ): Promise<ReviewPhoto> {
    return notBuilt('PhotoStore.upload');
  }
  /**
   * Puts `photoIds` (in that order) on the review, in the caller's transaction; photos it had and no longer names are
   * let go. Throws UnprocessableError for a photo that is not the customer's, is on another review, or does not exist.
   */
  async attach(_tx: Queryable, _customerId: string, _reviewId: string, _photoIds: readonly string[]): Promise<number> {
    return notBuilt('PhotoStore.attach');
  }
  /** The photos of each review, in order. */
  async ofReviews(_q: Queryable, _reviewIds: readonly string[]): Promise<Map<string, ReviewPhoto[]>> {
    return notBuilt('PhotoStore.ofReviews');
  }
}
