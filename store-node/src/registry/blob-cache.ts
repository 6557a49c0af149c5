import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  type ReadStream,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OCI_DIGEST } from '@storefleet/shared';

/** The bytes did not hash to the digest they were fetched by: nothing was kept. */
export class BlobDigestError extends Error {}

/**
 * The node's registry files: blobs and manifests by digest at `<dir>/blobs/sha256/<hex>`. A download streams into a
 * temporary file beside its target, hashed as it goes, and is renamed into place only when its SHA-256 (and size,
 * when known) are the ones it was fetched by — so a file that is there was checked, and a pull resumed after a crash
 * fetches only what is missing. Temporary files a killed process left are deleted at start.
 */
export class RegistryBlobCache {
  readonly #dir: string;

  constructor(root: string) {
    this.#dir = join(root, 'blobs', 'sha256');
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    for (const f of readdirSync(this.#dir)) if (f.includes('.part-')) rmSync(join(this.#dir, f), { force: true });
  }

  pathOf(digest: string): string {
    if (!OCI_DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
    return join(this.#dir, digest.slice('sha256:'.length));
  }

  /** The file's size, or null when it is not here. */
  size(digest: string): number | null {
    try {
      const s = statSync(this.pathOf(digest));
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  read(digest: string): Buffer {
    return readFileSync(this.pathOf(digest));
  }

  open(digest: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.pathOf(digest), range ?? {});
  }

  /** Keeps `body` as the file of `digest` when it hashes to it (and is `size` bytes); throws BlobDigestError otherwise. */
  async keep(
    digest: string,
    body: ReadableStream<Uint8Array> | Readable,
    size?: number,
    onBytes?: (n: number) => void,
  ): Promise<number> {
    const target = this.pathOf(digest);
    const temp = `${target}.part-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    let got = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        got += chunk.length;
        if (size !== undefined && got > size)
          return done(new BlobDigestError(`${digest}: more than the ${size} bytes its descriptor names`));
        hash.update(chunk);
        onBytes?.(chunk.length);
        done(null, chunk);
      },
    });
    try {
      const source = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream);
      await pipeline(source, count, createWriteStream(temp, { mode: 0o600 }));
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest)
        throw new BlobDigestError(`digest mismatch: fetched ${digest}, the bytes hash to ${actual}`);
      if (size !== undefined && got !== size)
        throw new BlobDigestError(`${digest}: ${got} bytes, its descriptor names ${size}`);
      renameSync(temp, target);
      return got;
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }

  /** Keeps bytes already in memory (a manifest) under their digest. */
  async keepBytes(digest: string, bytes: Buffer): Promise<void> {
    await this.keep(digest, Readable.from([bytes]), bytes.length);
  }
}
