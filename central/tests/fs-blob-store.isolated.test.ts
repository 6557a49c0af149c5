import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BlobDigestMismatchError, BlobNotFoundError, BlobTooLargeError } from '../src/kernel/blobs.js';
import { BlobKeyError, FsBlobStore } from '../src/kernel/fs-blob-store.js';

/** What the store asked of the disk, in order: each rename (`rename <to>`) and each fsync (`sync <path>`). */
const disk = vi.hoisted(() => ({ events: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      await actual.rename(from, to);
      disk.events.push(`rename ${to}`);
    },
    open: async (...args: Parameters<typeof actual.open>) => {
      const fh = await actual.open(...args);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        await sync();
        disk.events.push(`sync ${String(args[0])}`);
      };
      return fh;
    },
  };
});

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** A source that gives `chunks` and then fails, as a client that drops mid-upload does. */
function droppingSource(chunks: Buffer[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < chunks.length) this.push(chunks[i++]);
      else this.destroy(new Error('client went away'));
    },
  });
}

describe('FsBlobStore: files kept by the SHA-256 of their bytes', () => {
  let root: string;
  let blobs: FsBlobStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'blob-store-test-'));
    blobs = new FsBlobStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const tempFiles = () => {
    try {
      return readdirSync(join(root, 'tmp'));
    } catch {
      return [];
    }
  };

  it('names a blob by the hash of what it wrote and gives the same bytes back, whole or a range', async () => {
    const put = await blobs.put(Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(put).toEqual({ key: `sha256:${sha('hello world')}`, size: 11 });
    expect(await text(await blobs.get(put.key))).toBe('hello world');
    expect(await text(await blobs.get(put.key, { start: 6, end: 10 }))).toBe('world');
    expect((await blobs.stat(put.key))?.size).toBe(11);
    expect(tempFiles()).toEqual([]);
  });

  it('syncs the folder after renaming a blob into place (and the new prefix folders in their parents), so a power loss keeps it', async () => {
    disk.events.length = 0;
    const put = await blobs.put(Readable.from([Buffer.from('a committed version')]));
    const hex = put.key.slice('sha256:'.length);
    const final = join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
    const renamed = disk.events.indexOf(`rename ${final}`);
    expect(renamed, disk.events.join('\n')).toBeGreaterThanOrEqual(0);
    // the file's bytes before its name; its folder, and the folders made for it (new here), after
    expect(disk.events.slice(0, renamed).some((e) => e.startsWith(`sync ${join(root, 'tmp')}`))).toBe(true);
    expect(disk.events.slice(renamed + 1)).toEqual(
      expect.arrayContaining([
        `sync ${dirname(final)}`,
        `sync ${dirname(dirname(final))}`,
        `sync ${join(root, 'sha256')}`,
      ]),
    );
    // a blob whose prefix folders exist already syncs only its own folder
    const twinHex = sha('another version');
    const twinDir = join(root, 'sha256', twinHex.slice(0, 2), twinHex.slice(2, 4));
    mkdirSync(twinDir, { recursive: true });
    disk.events.length = 0;
    await blobs.put(Readable.from([Buffer.from('another version')]));
    expect(disk.events.filter((e) => e.startsWith('sync ') && !e.startsWith(`sync ${join(root, 'tmp')}`))).toEqual([
      `sync ${twinDir}`,
    ]);
  });

  it('keeps a zero-byte blob', async () => {
    const put = await blobs.put(Readable.from([]));
    expect(put).toEqual({ key: `sha256:${sha('')}`, size: 0 });
    expect(await text(await blobs.get(put.key))).toBe('');
  });

  it('keeps the same bytes once: the second put answers the same key and leaves no extra file', async () => {
    const a = await blobs.put(Readable.from([Buffer.from('same bytes')]));
    const b = await blobs.put(Readable.from([Buffer.from('same '), Buffer.from('bytes')]));
    expect(b.key).toBe(a.key);
    const all: string[] = [];
    for await (const k of blobs.keys()) all.push(k);
    expect(all).toEqual([a.key]);
    expect(tempFiles()).toEqual([]);
  });

  it('lists every blob, deletes one (twice without error), and answers not found after', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 5; i++) keys.add((await blobs.put(Readable.from([Buffer.from(`blob ${i}`)]))).key);
    const listed = new Set<string>();
    for await (const k of blobs.keys()) listed.add(k);
    expect(listed).toEqual(keys);
    const gone = [...keys][0]!;
    await blobs.delete(gone);
    await blobs.delete(gone);
    expect(await blobs.stat(gone)).toBeNull();
    await expect(blobs.get(gone)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('refuses keys that are not sha256:<64 hex> before touching the disk (no way out of the folder)', async () => {
    writeFileSync(join(root, 'secret.txt'), 'outside');
    const hostile = [
      '../secret.txt',
      'sha256:../../../secret.txt',
      `sha256:${'a'.repeat(63)}`,
      `sha256:${'A'.repeat(64)}`,
      `sha256:${'a'.repeat(64)}/../../secret.txt`,
      `sha256:${'a'.repeat(64)}\0`,
      '/etc/passwd',
      `md5:${'a'.repeat(32)}`,
      '',
    ];
    for (const key of hostile) {
      await expect(blobs.get(key), key).rejects.toBeInstanceOf(BlobKeyError);
      await expect(blobs.stat(key), key).rejects.toBeInstanceOf(BlobKeyError);
      await expect(blobs.delete(key), key).rejects.toBeInstanceOf(BlobKeyError);
    }
    expect(statSync(join(root, 'secret.txt')).isFile()).toBe(true);
  });

  it('stops a source past maxBytes, keeps nothing, and removes its temporary file', async () => {
    const big = Array.from({ length: 10 }, () => Buffer.alloc(1000, 7));
    await expect(blobs.put(Readable.from(big), { maxBytes: 5_000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    const exact = await blobs.put(Readable.from(big.slice(0, 5)), { maxBytes: 5_000 });
    expect(exact.size).toBe(5_000);
    const all: string[] = [];
    for await (const k of blobs.keys()) all.push(k);
    expect(all).toEqual([exact.key]);
    expect(tempFiles()).toEqual([]);
  });

  it('refuses bytes that do not match expectSha256 and keeps nothing', async () => {
    await expect(
      blobs.put(Readable.from([Buffer.from('what came')]), { expectSha256: sha('what was promised') }),
    ).rejects.toBeInstanceOf(BlobDigestMismatchError);
    const ok = await blobs.put(Readable.from([Buffer.from('what came')]), { expectSha256: sha('what came') });
    expect(ok.key).toBe(`sha256:${sha('what came')}`);
    const all: string[] = [];
    for await (const k of blobs.keys()) all.push(k);
    expect(all).toEqual([ok.key]);
    expect(tempFiles()).toEqual([]);
  });

  it('leaves no temporary file and no blob when the source fails mid-way', async () => {
    await expect(blobs.put(droppingSource([Buffer.alloc(70_000, 1), Buffer.alloc(70_000, 2)]))).rejects.toThrow(
      'client went away',
    );
    expect(tempFiles()).toEqual([]);
    const all: string[] = [];
    for await (const k of blobs.keys()) all.push(k);
    expect(all).toEqual([]);
  });

  it('sweeps temporary files older than the limit and leaves fresh ones', async () => {
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', 'old.part'), 'left by a crash');
    writeFileSync(join(root, 'tmp', 'fresh.part'), 'being written');
    const twoHoursAgo = (Date.now() - 2 * 3_600_000) / 1000;
    utimesSync(join(root, 'tmp', 'old.part'), twoHoursAgo, twoHoursAgo);
    expect(await blobs.sweepTemp(3_600_000)).toBe(1);
    expect(tempFiles()).toEqual(['fresh.part']);
  });

  it('refuses a range outside the blob', async () => {
    const put = await blobs.put(Readable.from([Buffer.from('0123456789')]));
    await expect(blobs.get(put.key, { start: 10, end: 12 })).rejects.toBeInstanceOf(RangeError);
    await expect(blobs.get(put.key, { start: 5, end: 2 })).rejects.toBeInstanceOf(RangeError);
    expect(await text(await blobs.get(put.key, { start: 8, end: 100 }))).toBe('89');
  });
});
