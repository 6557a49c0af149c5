import { createHash, randomBytes } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { AppError } from '@storefleet/shared';
import type { BlobStore } from '../../kernel/blobs.js';
import { openTransform, sealTransform } from './envelope.js';
import { KmsUnwrapError, type Kms } from './kms.js';

/** Where a sealed (encrypted) object lives and how to open it: its blob and its data key, wrapped by `kekId`. */
export interface SealedRef {
  readonly blobKey: string;
  readonly wrappedKey: Buffer;
  readonly kekId: string;
}
/** A sealed object as written: plus the plaintext's size and SHA-256 (hex). */
export interface SealedObject extends SealedRef {
  readonly size: number;
  readonly sha256: string;
}

/** Thrown (as the stream's error) when a segment fails its GCM tag or the object was cut short: nothing unchecked is given out. */
export class SealedTamperedError extends Error {
  override readonly name = 'SealedTamperedError';
}
/** The plaintext ran past `maxBytes`: a 413 problem wherever it is thrown. */
export class SealedTooLargeError extends AppError {
  constructor(readonly maxBytes: number) {
    super('payload-too-large', `the file is larger than the ${maxBytes}-byte limit`, { maxBytes });
  }
}

/**
 * Envelope encryption over a blob store (lane: crypto): `seal` streams plaintext through AES-256-GCM with a new data
 * key, in segments that each carry their own tag (so a read checks every byte before giving it out, and a 1 GB file
 * never sits in memory), and wraps the data key with the KMS's current key; `open` streams the plaintext back. The
 * format is in envelope.ts.
 */
export class SealedStore {
  constructor(
    readonly kms: Kms,
    readonly blobs: BlobStore,
  ) {}

  /**
   * Seals `plaintext` into the blob store. Rejects with `KmsUnavailableError` before reading anything when the vault
   * has no KMS, `SealedTooLargeError` past `maxBytes`, or the source's own error (a client that dropped): nothing is
   * kept then.
   */
  async seal(plaintext: Readable, options: { readonly maxBytes: number }): Promise<SealedObject> {
    const dataKey = randomBytes(32);
    try {
      const { kekId, wrapped } = await this.kms.wrap(dataKey);
      const hash = createHash('sha256');
      let size = 0;
      const sealer = sealTransform(dataKey, {
        onPlaintext(chunk) {
          size += chunk.length;
          if (size > options.maxBytes) throw new SealedTooLargeError(options.maxBytes);
          hash.update(chunk);
        },
      });
      // errors of either side end up on `sealer`, which the blob store's put rejects with
      const sealed = pipeline(plaintext, sealer, () => {});
      const put = await this.blobs.put(sealed);
      return { blobKey: put.key, wrappedKey: wrapped, kekId, size, sha256: hash.digest('hex') };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The plaintext of `ref`, streamed; each 64 KiB segment is given out only after its GCM tag checked, and the stream
   * errors with `SealedTamperedError` at the first that fails (or when the object was cut or extended). Rejects at
   * once with `SealedTamperedError` when the wrapped data key fails its check, `KmsKeyUnknownError` for a master key
   * the KMS does not hold, `BlobNotFoundError` when the blob is gone.
   */
  async open(ref: SealedRef): Promise<Readable> {
    const dataKey = await this.#unwrap(ref);
    const blob = await this.blobs.get(ref.blobKey);
    const opener = openTransform(dataKey, (m) => new SealedTamperedError(`${ref.blobKey}: ${m}`));
    return pipeline(blob, opener, () => dataKey.fill(0));
  }

  /** The same data key wrapped by the KMS's current key (the rotation's re-wrap; the blob is not touched). */
  async rewrap(ref: SealedRef): Promise<{ readonly wrappedKey: Buffer; readonly kekId: string }> {
    const dataKey = await this.#unwrap(ref);
    try {
      const { kekId, wrapped } = await this.kms.wrap(dataKey);
      return { wrappedKey: wrapped, kekId };
    } finally {
      dataKey.fill(0);
    }
  }

  async #unwrap(ref: SealedRef): Promise<Buffer> {
    try {
      return await this.kms.unwrap(ref.kekId, ref.wrappedKey);
    } catch (err) {
      if (err instanceof KmsUnwrapError) throw new SealedTamperedError(`${ref.blobKey}: ${err.message}`);
      throw err;
    }
  }
}
