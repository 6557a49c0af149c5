import { BlobDigestMismatchError, BlobTooLargeError } from '../../kernel/blobs.js';
import { OciError } from './errors.js';

/** The largest blob this registry takes (a settings-free bound; quotas bound repositories below it). */
export const MAX_BLOB_BYTES = 10 * 1024 ** 3;

export function blobUnknown(repository: string, digest: string): OciError {
  return new OciError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${repository}`, { digest });
}

/** The storage's errors about the bytes as the spec's codes; anything else as it is. */
export function asOciError(err: unknown): unknown {
  if (err instanceof BlobDigestMismatchError) return new OciError('DIGEST_INVALID', err.message);
  if (err instanceof BlobTooLargeError)
    return new OciError('SIZE_INVALID', `${err.message}: the registry takes blobs of at most ${MAX_BLOB_BYTES} bytes`);
  return err;
}
