import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobDigestMismatchError, BlobTooLargeError } from '../../kernel/blobs.js';
import { FsBlobStore } from '../../kernel/fs-blob-store.js';
import { type RegistryStorage, UploadOffsetError } from './types.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WRITE_BUFFER = 1024 * 1024;
/**
 * An upload's bytes are flushed to the disk (fdatasync, in the background) each time this many more were written: the
 * disk writes them while the rest arrives, so the fsync before the blob's rename (commit) finds little left to do.
 */
const SYNC_EVERY = 8 * 1024 * 1024;

/** The running SHA-256 of an upload whose chunks this process received in order, and how many bytes it covers. */
interface RunningHash {
  readonly hash: Hash;
  size: number;
}

/**
 * `RegistryStorage` on a folder (lane: blobs): blobs through the kernel's `FsBlobStore` at `<root>/sha256/…`, upload
 * sessions' partial files at `<root>/uploads/<id>`; a finished upload is renamed into its content address (no copy).
 * `root` is the blob folder's `registry/` subfolder, so the vault's garbage collection never sees these files.
 *
 * Invariants: an upload's file holds exactly the bytes of the chunks that were appended whole (a chunk that fails
 * midway — the client went away, the size bound — is cut off again, so the file never holds half a chunk); appends
 * to one upload run one at a time in this process. The SHA-256 is kept running in memory while chunks arrive in
 * order here; when it is not (a restart, another hub replica took a chunk), the commit reads the file once.
 */
export class FsRegistryStorage implements RegistryStorage {
  readonly #blobs: FsBlobStore;
  readonly #uploads: string;
  readonly #hashes = new Map<string, RunningHash>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {
    this.#blobs = new FsBlobStore(root);
    this.#uploads = join(root, 'uploads');
  }

  get(digest: string, range?: { readonly start: number; readonly end: number }): Promise<Readable> {
    return this.#blobs.get(digest, range);
  }
  stat(digest: string): Promise<{ readonly size: number; readonly writtenAt: number } | null> {
    return this.#blobs.stat(digest);
  }
  delete(digest: string): Promise<void> {
    return this.#blobs.delete(digest);
  }
  keys(): AsyncIterable<string> {
    return this.#blobs.keys();
  }
  async put(
    source: Readable,
    options: { readonly maxBytes?: number; readonly expectDigest?: string } = {},
  ): Promise<{ digest: string; size: number }> {
    const { key, size } = await this.#blobs.put(source, {
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      ...(options.expectDigest === undefined ? {} : { expectSha256: options.expectDigest.replace(/^sha256:/, '') }),
    });
    return { digest: key, size };
  }

  appendUpload(
    id: string,
    source: Readable,
    options: { readonly offset: number; readonly maxBytes?: number },
  ): Promise<number> {
    return this.#serial(id, async () => {
      const path = this.#uploadPath(id);
      const held = await this.uploadSize(id);
      if (held !== options.offset) throw new UploadOffsetError(held, options.offset);
      await mkdir(this.#uploads, { recursive: true });
      const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
      const running = this.#hashes.get(id) ?? (held === 0 ? { hash: createHash('sha256'), size: 0 } : undefined);
      // the chunk's bytes go into a copy of the running hash, which replaces it only when the whole chunk is on disk
      const hash = running && running.size === held ? running.hash.copy() : undefined;
      let size = held;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > maxBytes)
            return done(new BlobTooLargeError(`the upload is larger than the ${maxBytes}-byte limit`));
          hash?.update(chunk);
          done(null, chunk);
        },
      });
      try {
        const fh = await open(path, 'a', 0o600);
        try {
          await pipeline(source, counter, new SyncingAppend(fh));
        } finally {
          await fh.close();
        }
      } catch (err) {
        this.#hashes.delete(id);
        await truncate(path, held).catch(() => {});
        source.destroy();
        throw err;
      }
      if (hash) this.#hashes.set(id, { hash, size });
      else this.#hashes.delete(id);
      return size;
    });
  }

  async uploadSize(id: string): Promise<number> {
    const s = await stat(this.#uploadPath(id)).catch(() => null);
    return s?.size ?? 0;
  }

  commitUpload(id: string, expectDigest: string): Promise<{ digest: string; size: number }> {
    return this.#serial(id, async () => {
      const path = this.#uploadPath(id);
      const size = await this.uploadSize(id);
      if (size === 0) {
        // an empty blob (a client may push one): its file is made here, as no chunk made it
        await mkdir(this.#uploads, { recursive: true });
        await writeFile(path, '', { flag: 'a', mode: 0o600 });
      }
      const running = this.#hashes.get(id);
      let hex: string;
      if (running && running.size === size) {
        hex = running.hash.copy().digest('hex');
      } else {
        const h = createHash('sha256');
        await pipeline(createReadStream(path, { highWaterMark: 256 * 1024 }), async (chunks: AsyncIterable<Buffer>) => {
          for await (const c of chunks) h.update(c);
        });
        hex = h.digest('hex');
      }
      const digest = `sha256:${hex}`;
      if (digest !== expectDigest)
        throw new BlobDigestMismatchError(
          `the upload's bytes have the digest ${digest}, not the ${expectDigest} given`,
        );
      await this.#blobs.adopt(path, digest);
      this.#hashes.delete(id);
      return { digest, size };
    });
  }

  dropUpload(id: string): Promise<void> {
    return this.#serial(id, async () => {
      this.#hashes.delete(id);
      await rm(this.#uploadPath(id), { force: true });
    });
  }

  async *uploads(): AsyncIterable<{ readonly id: string; readonly touchedAt: number }> {
    let names: string[];
    try {
      names = await readdir(this.#uploads);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      if (!UPLOAD_ID.test(name)) continue;
      const s = await stat(join(this.#uploads, name)).catch(() => null);
      if (s?.isFile()) yield { id: name, touchedAt: Math.round(s.mtimeMs) };
    }
  }

  /** Upload ids become file names: only a lower-case uuid is let near the disk. */
  #uploadPath(id: string): string {
    if (!UPLOAD_ID.test(id)) throw new Error(`upload id ${JSON.stringify(id.slice(0, 60))} is not a uuid`);
    return join(this.#uploads, id);
  }

  /** Runs `fn` after every earlier operation on upload `id` in this process has ended. */
  #serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(id) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#queues.set(id, tail);
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return run;
  }
}

/**
 * Appends what it is given to an open file (WRITE_BUFFER queued before the source waits; what queued meanwhile goes
 * in one writev), starting an fdatasync in the background after each SYNC_EVERY bytes (one at a time). It ends —
 * finished or destroyed — only once no write or sync is running, so the caller may close the file then.
 */
class SyncingAppend extends Writable {
  #unsynced = 0;
  #syncing: Promise<void> | undefined;
  constructor(readonly fh: FileHandle) {
    super({ highWaterMark: WRITE_BUFFER });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#append([chunk]).then(() => done(), done);
  }
  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    this.#append(chunks.map((c) => c.chunk)).then(() => done(), done);
  }
  override _final(done: (err?: Error | null) => void): void {
    this.#settled().then(() => done(), done);
  }
  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.#settled().then(
      () => done(err),
      () => done(err),
    );
  }
  async #append(buffers: Buffer[]): Promise<void> {
    let rest = buffers;
    while (rest.length > 0) {
      const total = rest.reduce((n, b) => n + b.length, 0);
      const { bytesWritten } = await this.fh.writev(rest);
      this.#unsynced += bytesWritten;
      if (bytesWritten >= total) break;
      // a short write (rare on a file): the rest goes again from where it stopped
      let skip = bytesWritten;
      const left: Buffer[] = [];
      for (const b of rest) {
        if (skip >= b.length) skip -= b.length;
        else {
          left.push(skip > 0 ? b.subarray(skip) : b);
          skip = 0;
        }
      }
      rest = left;
    }
    if (this.#unsynced >= SYNC_EVERY && !this.#syncing) {
      this.#unsynced = 0;
      // only a head start for the commit's fsync, which is the one that counts: a failure here is the commit's to find
      this.#syncing = this.fh
        .datasync()
        .catch(() => {})
        .finally(() => {
          this.#syncing = undefined;
        });
    }
  }
  async #settled(): Promise<void> {
    await this.#syncing;
  }
}
