import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobDigestMismatchError, BlobTooLargeError } from '../../../kernel/blobs.js';
import { FsRegistryStorage } from '../storage.js';
import { UploadOffsetError } from '../types.js';

const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const ID = '0b6a1d3e-5f7c-4a2b-9e8d-1c2b3a4f5e6d';
const ID2 = '1b6a1d3e-5f7c-4a2b-9e8d-1c2b3a4f5e6d';
const ID3 = '2b6a1d3e-5f7c-4a2b-9e8d-1c2b3a4f5e6d';
const ID4 = '3b6a1d3e-5f7c-4a2b-9e8d-1c2b3a4f5e6d';

/** A stream of `parts` that fails after them, as a client that went away mid-chunk. */
function breaking(...parts: string[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < parts.length) this.push(Buffer.from(parts[i++]!));
      else this.destroy(new Error('the client went away'));
    },
  });
}

/**
 * The registry's storage on a folder: upload files that take chunks only in order, a commit that renames the file
 * into its content address (the same inode: no copy) after checking its digest, by the running hash or, in a process
 * that did not see the chunks (a restart, another replica), by reading the file.
 */
describe('FsRegistryStorage', () => {
  let dir: string;
  let storage: FsRegistryStorage;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'registry-storage-test-'));
    storage = new FsRegistryStorage(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends chunks in order; a chunk at the wrong offset throws UploadOffsetError and writes nothing', async () => {
    expect(await storage.uploadSize(ID)).toBe(0);
    expect(await storage.appendUpload(ID, Readable.from([Buffer.from('abc')]), { offset: 0 })).toBe(3);
    await expect(storage.appendUpload(ID, Readable.from([Buffer.from('xyz')]), { offset: 0 })).rejects.toBeInstanceOf(
      UploadOffsetError,
    );
    await expect(storage.appendUpload(ID, Readable.from([Buffer.from('xyz')]), { offset: 5 })).rejects.toBeInstanceOf(
      UploadOffsetError,
    );
    expect(await storage.uploadSize(ID)).toBe(3);
    expect(await storage.appendUpload(ID, Readable.from([Buffer.from('def')]), { offset: 3 })).toBe(6);
  });

  it('commits by renaming the upload file into its address (same inode), after checking the digest', async () => {
    const upload = join(dir, 'uploads', ID);
    const inode = (await stat(upload)).ino;
    await expect(storage.commitUpload(ID, digestOf('abcdeX'))).rejects.toBeInstanceOf(BlobDigestMismatchError);
    expect(await storage.uploadSize(ID)).toBe(6); // kept for the client to fix
    const done = await storage.commitUpload(ID, digestOf('abcdef'));
    expect(done).toEqual({ digest: digestOf('abcdef'), size: 6 });
    const hex = done.digest.slice(7);
    const blob = join(dir, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
    expect((await stat(blob)).ino).toBe(inode);
    expect(await readFile(blob, 'utf8')).toBe('abcdef');
    expect(await storage.uploadSize(ID)).toBe(0);
    expect(await storage.stat(done.digest)).toMatchObject({ size: 6 });
  });

  it('a storage that did not see the chunks (a restart) hashes the file at commit', async () => {
    await storage.appendUpload(ID2, Readable.from([Buffer.from('first half, ')]), { offset: 0 });
    const restarted = new FsRegistryStorage(dir);
    await restarted.appendUpload(ID2, Readable.from([Buffer.from('second half')]), { offset: 12 });
    await expect(restarted.commitUpload(ID2, digestOf('first half, second haXX'))).rejects.toBeInstanceOf(
      BlobDigestMismatchError,
    );
    expect(await restarted.commitUpload(ID2, digestOf('first half, second half'))).toEqual({
      digest: digestOf('first half, second half'),
      size: 23,
    });
  });

  it('a chunk that breaks midway, or runs past maxBytes, leaves the file as before it', async () => {
    await storage.appendUpload(ID3, Readable.from([Buffer.from('kept')]), { offset: 0 });
    await expect(storage.appendUpload(ID3, breaking('lost ', 'bytes'), { offset: 4 })).rejects.toThrow(/went away/);
    expect(await storage.uploadSize(ID3)).toBe(4);
    await expect(
      storage.appendUpload(ID3, Readable.from([Buffer.from('0123456789')]), { offset: 4, maxBytes: 8 }),
    ).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await storage.uploadSize(ID3)).toBe(4);
    await storage.appendUpload(ID3, Readable.from([Buffer.from('!')]), { offset: 4 });
    expect(await storage.commitUpload(ID3, digestOf('kept!'))).toMatchObject({ size: 5 });
  });

  it('an empty upload commits as the empty blob; dropUpload removes a file; uploads() lists the ones left', async () => {
    expect(await storage.commitUpload(ID4, digestOf(''))).toEqual({ digest: digestOf(''), size: 0 });
    await storage.appendUpload(ID4, Readable.from([Buffer.from('left over')]), { offset: 0 });
    const listed = [];
    for await (const u of storage.uploads()) listed.push(u.id);
    expect(listed).toEqual([ID4]);
    await storage.dropUpload(ID4);
    expect(await storage.uploadSize(ID4)).toBe(0);
    await expect(storage.uploadSize('../../etc/passwd')).rejects.toThrow(/not a uuid/);
  });

  it('put stores a whole blob checked against its digest', async () => {
    expect(await storage.put(Readable.from([Buffer.from('whole')]), { expectDigest: digestOf('whole') })).toEqual({
      digest: digestOf('whole'),
      size: 5,
    });
    await expect(
      storage.put(Readable.from([Buffer.from('whole')]), { expectDigest: digestOf('hole') }),
    ).rejects.toBeInstanceOf(BlobDigestMismatchError);
    const keys = [];
    for await (const k of storage.keys()) keys.push(k);
    expect(keys).toContain(digestOf('whole'));
  });
});
