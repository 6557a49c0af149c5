import type { Readable } from 'node:stream';

/**
 * Files the hub stores by content (the vault's encrypted document versions, the registry's layers): each blob is named
 * by the SHA-256 of its bytes, computed while it is written (never taken from a caller), so the same bytes are kept
 * once. Streams only: a 1 GB blob never sits in memory. The filesystem implementation is `FsBlobStore`
 * (`kernel/fs-blob-store.ts`); a module that stores files takes its folder from `ctx.settings.blobs`.
 */
export interface BlobStore {
  /**
   * Writes `source` to a temporary file, hashing as it goes, then moves it to its content address (atomically; a
   * crash leaves at most a temporary file, swept later). Resolves with the blob's key (`sha256:<hex>`) and size.
   * `maxBytes` stops a source that runs longer (the temporary file is removed, `BlobTooLargeError` thrown). When
   * `expectSha256` is given and the bytes do not match, nothing is kept and `BlobDigestMismatchError` is thrown.
   */
  put(
    source: Readable,
    options?: { readonly maxBytes?: number; readonly expectSha256?: string },
  ): Promise<{ readonly key: string; readonly size: number }>;
  /** A stream of the blob's bytes, or of `[start, end]` inclusive; `BlobNotFoundError` when there is no such blob. */
  get(key: string, range?: { readonly start: number; readonly end: number }): Promise<Readable>;
  /** The blob's size and when it was written, or null. */
  stat(key: string): Promise<{ readonly size: number; readonly writtenAt: number } | null>;
  /** Removes the blob; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /** Every blob's key, for a sweep (garbage collection); in no particular order. */
  keys(): AsyncIterable<string>;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
}
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
}
export class BlobDigestMismatchError extends Error {
  override readonly name = 'BlobDigestMismatchError';
}
