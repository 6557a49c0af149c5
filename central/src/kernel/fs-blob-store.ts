import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobDigestMismatchError, BlobNotFoundError, BlobTooLargeError, type BlobStore } from './blobs.js';

const KEY = /^sha256:([0-9a-f]{64})$/;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX2 = /^[0-9a-f]{2}$/;
/** Reads in 256 KiB: a quarter of the system calls of the default 64 KiB for the big blobs this store holds. */
const READ_CHUNK = 256 * 1024;
/** Bytes queued for the disk before the source is paused: 1 MiB keeps the writer busy without holding much. */
const WRITE_BUFFER = 1024 * 1024;

/** Thrown for a key that is not `sha256:<64 lowercase hex>`: keys become paths, so nothing else is let near the disk. */
export class BlobKeyError extends Error {
  override readonly name = 'BlobKeyError';
}

/**
 * `BlobStore` on a folder (lane: crypto): `<root>/sha256/<2 hex>/<2 hex>/<64 hex>`, written through `<root>/tmp/` and
 * renamed into place, so a crash leaves no half blob at an address. The name is the SHA-256 of the bytes as they were
 * written (never the caller's word for it): the same bytes put twice are kept once, the second copy dropped.
 */
export class FsBlobStore implements BlobStore {
  readonly #tmp: string;
  constructor(readonly root: string) {
    this.#tmp = join(root, 'tmp');
  }

  async put(
    source: Readable,
    options: { readonly maxBytes?: number; readonly expectSha256?: string } = {},
  ): Promise<{ key: string; size: number }> {
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    await mkdir(this.#tmp, { recursive: true });
    const temp = join(this.#tmp, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new BlobTooLargeError(`the blob is larger than the ${maxBytes}-byte limit`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      const out = createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: WRITE_BUFFER });
      await pipeline(source, counter, out);
      // the bytes reach the disk before the name points at them: a crash after the rename never finds a short blob
      const fh = await open(temp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      const hex = hash.digest('hex');
      if (options.expectSha256 !== undefined && options.expectSha256.toLowerCase() !== hex)
        throw new BlobDigestMismatchError(`the bytes' SHA-256 is ${hex}, not the ${options.expectSha256} expected`);
      const key = `sha256:${hex}`;
      const final = this.#path(hex);
      const existing = await stat(final).catch(() => null);
      if (existing) {
        await rm(temp, { force: true });
      } else {
        const dir = dirname(final);
        const made = await mkdir(dir, { recursive: true });
        await rename(temp, final);
        // the new name is an entry of its folder, on the disk only once the folder is synced: without it a power loss
        // after the version's row committed could lose the file. One fsync per blob, more only for a new prefix folder
        // (its own entry in its parent): at most 3, and 65,536 prefixes in all.
        await syncDir(dir);
        if (made) for (let d = dirname(dir); d.length >= dirname(made).length; d = dirname(d)) await syncDir(d);
      }
      return { key, size };
    } catch (err) {
      await rm(temp, { force: true });
      source.destroy();
      throw err;
    }
  }

  /**
   * Moves a finished file (on this store's filesystem) to the address of `key`, which the caller computed from the
   * file's bytes as it wrote them: no copy, no second read. The file is synced first; when the address already holds
   * the blob, the file is removed instead. The registry's upload sessions end this way.
   */
  async adopt(file: string, key: string): Promise<void> {
    const hex = hexOf(key);
    const fh = await open(file, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const final = this.#path(hex);
    if (await stat(final).catch(() => null)) {
      await rm(file, { force: true });
      return;
    }
    const dir = dirname(final);
    const made = await mkdir(dir, { recursive: true });
    await rename(file, final);
    await syncDir(dir);
    if (made) for (let d = dirname(dir); d.length >= dirname(made).length; d = dirname(d)) await syncDir(d);
  }

  async get(key: string, range?: { readonly start: number; readonly end: number }): Promise<Readable> {
    const path = this.#path(hexOf(key));
    const s = await stat(path).catch(() => null);
    if (!s) throw new BlobNotFoundError(`blob ${key} not found`);
    if (range) {
      if (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0)
        throw new RangeError(`blob range ${range.start}-${range.end} is not a range of whole bytes`);
      if (range.end < range.start || range.start >= s.size)
        throw new RangeError(`blob range ${range.start}-${range.end} is outside the blob's ${s.size} bytes`);
      return createReadStream(path, {
        start: range.start,
        end: Math.min(range.end, s.size - 1),
        highWaterMark: READ_CHUNK,
      });
    }
    return createReadStream(path, { highWaterMark: READ_CHUNK });
  }

  async stat(key: string): Promise<{ size: number; writtenAt: number } | null> {
    const s = await stat(this.#path(hexOf(key))).catch(() => null);
    return s ? { size: s.size, writtenAt: Math.round(s.mtimeMs) } : null;
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(hexOf(key)), { force: true });
  }

  async *keys(): AsyncIterable<string> {
    const top = join(this.root, 'sha256');
    for (const a of await listDir(top)) {
      if (!HEX2.test(a)) continue;
      for (const b of await listDir(join(top, a))) {
        if (!HEX2.test(b)) continue;
        for (const name of await listDir(join(top, a, b)))
          if (HEX64.test(name) && name.startsWith(a + b)) yield `sha256:${name}`;
      }
    }
  }

  /**
   * Removes temporary files older than `olderThanMs` (what a crash or a killed process left mid-write); a write in
   * progress keeps touching its file, so an hour is safe. Returns how many it removed.
   */
  async sweepTemp(olderThanMs = 3_600_000, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await listDir(this.#tmp)) {
      const path = join(this.#tmp, name);
      const s = await stat(path).catch(() => null);
      if (s?.isFile() && now - s.mtimeMs > olderThanMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  #path(hex: string): string {
    return join(this.root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  }
}

function hexOf(key: string): string {
  const m = typeof key === 'string' ? KEY.exec(key) : null;
  if (!m) throw new BlobKeyError(`blob key ${JSON.stringify(String(key).slice(0, 80))} is not sha256:<64 hex digits>`);
  return m[1]!;
}

/** fsync of a folder: makes its entries (a rename into it, a folder made in it) durable. */
async function syncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(dir, 'r');
  } catch (err) {
    // a platform that cannot open a folder (Windows) has no folder fsync to do
    if ((err as NodeJS.ErrnoException).code === 'EISDIR' || (err as NodeJS.ErrnoException).code === 'EPERM') return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    // a filesystem without fsync on folders (some network ones) says EINVAL: its renames are as durable as it makes them
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await fh.close();
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
