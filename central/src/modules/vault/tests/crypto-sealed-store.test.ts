import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../../kernel/fs-blob-store.js';
import { SEAL_HEADER_BYTES, SEAL_SEGMENT_BYTES, SEAL_TAG_BYTES, sealedSize } from '../envelope.js';
import { KmsHolder, KmsUnavailableError, LocalKms } from '../kms.js';
import { type SealedObject, SealedStore, SealedTamperedError, SealedTooLargeError } from '../sealed-store.js';

const SEG = SEAL_SEGMENT_BYTES;
const WHOLE = SEG + SEAL_TAG_BYTES;

/** Reads a stream to its end: the bytes it gave out before it ended, and the error it ended with (or null). */
async function drain(stream: Readable): Promise<{ bytes: Buffer; error: Error | null }> {
  const got: Buffer[] = [];
  try {
    for await (const chunk of stream) got.push(chunk as Buffer);
    return { bytes: Buffer.concat(got), error: null };
  } catch (err) {
    return { bytes: Buffer.concat(got), error: err as Error };
  }
}

/** A source that gives `bytes` in uneven chunks (so segment cuts never line up with chunk cuts). */
function unevenSource(bytes: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = [1, 7_000, 65_535, 100_003, 3][i % 5]!;
    parts.push(bytes.subarray(at, at + n));
    at += n;
  }
  return Readable.from(parts);
}

describe('SealedStore: envelope encryption, segment by segment', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let sealed: SealedStore;
  const blobPath = (key: string) => {
    const hex = key.slice('sha256:'.length);
    return join(dir, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  };
  /** Writes a damaged copy of `obj`'s blob as a new blob and returns a ref to it (same data key). */
  async function damaged(obj: SealedObject, change: (bytes: Buffer) => Buffer): Promise<SealedObject> {
    const put = await blobs.put(Readable.from([change(Buffer.from(readFileSync(blobPath(obj.blobKey))))]));
    return { ...obj, blobKey: put.key };
  }
  async function sealBytes(bytes: Buffer): Promise<SealedObject> {
    return sealed.seal(unevenSource(bytes), { maxBytes: 100 * 1024 ** 2 });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vault-sealed-test-'));
    blobs = new FsBlobStore(join(dir, 'blobs'));
    sealed = new SealedStore(await LocalKms.open(join(dir, 'keys.json')), blobs);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [label, size] of [
    ['0 bytes', 0],
    ['1 byte', 1],
    ['exactly one segment', SEG],
    ['one segment and one byte', SEG + 1],
    ['exactly three segments', 3 * SEG],
    ['3 MB and some', 3 * 1024 ** 2 + 12_345],
  ] as const) {
    it(`gives back what it sealed: ${label}`, async () => {
      const plain = randomBytes(size);
      const obj = await sealBytes(plain);
      expect(obj.size).toBe(size);
      expect(obj.sha256).toBe(createHash('sha256').update(plain).digest('hex'));
      expect(obj.kekId).toMatch(/^kek-\d{4}-\d{2}-\d{2}-1$/);
      const stored = readFileSync(blobPath(obj.blobKey));
      expect(stored.length).toBe(sealedSize(size));
      // encrypted: no 32-byte run of the plaintext shows in the blob
      if (size >= 64) expect(stored.includes(plain.subarray(16, 48))).toBe(false);
      const out = await drain(await sealed.open(obj));
      expect(out.error).toBeNull();
      expect(out.bytes.equals(plain)).toBe(true);
    });
  }

  it('seals the same bytes twice into two different blobs (a fresh data key and nonce each time)', async () => {
    const plain = Buffer.from('quarterly planogram');
    const a = await sealBytes(plain);
    const b = await sealBytes(plain);
    expect(a.sha256).toBe(b.sha256);
    expect(a.blobKey).not.toBe(b.blobKey);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
  });

  describe('a damaged object is refused, and no byte of the damaged segment is given out', () => {
    let plain: Buffer;
    let obj: SealedObject;
    beforeAll(async () => {
      plain = randomBytes(3 * SEG + 1000); // segments 0, 1, 2 whole and a short last one
      obj = await sealBytes(plain);
    });

    const cases: [string, (b: Buffer) => Buffer, number][] = [
      // [what, damage, plaintext bytes that may come out before the refusal: the whole segments before the damage]
      ['a flipped bit in the header (magic)', (b) => flip(b, 2), 0],
      ['a flipped bit in the header (nonce prefix)', (b) => flip(b, 20), 0],
      ['a flipped bit in the header (segment size)', (b) => flip(b, 14), 0],
      ['a flipped bit in the first segment', (b) => flip(b, SEAL_HEADER_BYTES + 10), 0],
      ['a flipped bit in the second segment', (b) => flip(b, SEAL_HEADER_BYTES + WHOLE + 500), SEG],
      ['a flipped bit in a tag', (b) => flip(b, SEAL_HEADER_BYTES + 2 * WHOLE - 3), SEG],
      ['a flipped bit in the last segment', (b) => flip(b, b.length - 20), 3 * SEG],
      ['a flipped bit in the last tag', (b) => flip(b, b.length - 1), 3 * SEG],
      [
        'cut at a segment boundary (the last segment dropped)',
        (b) => b.subarray(0, SEAL_HEADER_BYTES + 3 * WHOLE),
        2 * SEG,
      ],
      ['cut inside the second segment', (b) => b.subarray(0, SEAL_HEADER_BYTES + WHOLE + 100), SEG],
      ['cut inside the header', (b) => b.subarray(0, 10), 0],
      [
        'a copy of the last segment appended',
        (b) => Buffer.concat([b, b.subarray(SEAL_HEADER_BYTES + 3 * WHOLE)]),
        3 * SEG,
      ],
      [
        'a whole segment appended',
        (b) => Buffer.concat([b, b.subarray(SEAL_HEADER_BYTES, SEAL_HEADER_BYTES + WHOLE)]),
        3 * SEG,
      ],
      ['segments 1 and 2 swapped', (b) => swap(b, 1, 2), SEG],
      ['segments 0 and 1 swapped', (b) => swap(b, 0, 1), 0],
      ['one byte appended', (b) => Buffer.concat([b, Buffer.from([0])]), 3 * SEG],
    ];
    for (const [what, damage, before] of cases) {
      it(what, async () => {
        const bad = await damaged(obj, damage);
        const out = await drain(await sealed.open(bad));
        expect(out.error).toBeInstanceOf(SealedTamperedError);
        // only whole segments before the damage, each exactly as sealed; nothing from the damaged one
        expect(out.bytes.length).toBeLessThanOrEqual(before);
        expect(out.bytes.length % SEG).toBe(0);
        expect(out.bytes.equals(plain.subarray(0, out.bytes.length))).toBe(true);
      });
    }

    it('a wrong data key (another object’s) is refused before a byte comes out', async () => {
      const other = await sealBytes(randomBytes(10));
      const out = await drain(await sealed.open({ ...obj, wrappedKey: other.wrappedKey }));
      expect(out.error).toBeInstanceOf(SealedTamperedError);
      expect(out.bytes.length).toBe(0);
    });

    it('a wrapped data key with a flipped bit is refused at open', async () => {
      await expect(sealed.open({ ...obj, wrappedKey: flip(Buffer.from(obj.wrappedKey), 20) })).rejects.toBeInstanceOf(
        SealedTamperedError,
      );
    });
  });

  it('stops a source past maxBytes with a 413 and keeps no blob', async () => {
    const before = await countBlobs(blobs);
    const err = await sealed.seal(unevenSource(randomBytes(200_000)), { maxBytes: 150_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(SealedTooLargeError);
    expect(err.status).toBe(413);
    expect(await countBlobs(blobs)).toBe(before);
  });

  it('keeps nothing when the source fails mid-way', async () => {
    const before = await countBlobs(blobs);
    let sent = 0;
    const dropping = new Readable({
      read() {
        if (sent++ < 3) this.push(randomBytes(50_000));
        else this.destroy(new Error('client went away'));
      },
    });
    await expect(sealed.seal(dropping, { maxBytes: 10 ** 9 })).rejects.toThrow('client went away');
    expect(await countBlobs(blobs)).toBe(before);
  });

  it('answers 503 with the reason while the vault has no KMS, before reading the source', async () => {
    const holder = new KmsHolder();
    holder.fail('the vault keys file /x/keys.json cannot be read (EACCES)');
    const store = new SealedStore(holder, blobs);
    const source = Readable.from([Buffer.from('never read')]);
    const err = await store.seal(source, { maxBytes: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(KmsUnavailableError);
    expect(err.status).toBe(503);
    expect(err.message).toContain('cannot be read (EACCES)');
    expect(source.readableEnded).toBe(false);
  });

  it('is not fooled by a file that is not a sealed object', async () => {
    const plain = randomBytes(100);
    const obj = await sealBytes(plain);
    writeFileSync(join(dir, 'plain.bin'), plain);
    const put = await blobs.put(Readable.from([plain]));
    const out = await drain(await sealed.open({ ...obj, blobKey: put.key }));
    expect(out.error).toBeInstanceOf(SealedTamperedError);
    expect(out.bytes.length).toBe(0);
  });
});

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = c[at]! ^ 0x01;
  return c;
}
function swap(b: Buffer, i: number, j: number): Buffer {
  const c = Buffer.from(b);
  const at = (k: number) => SEAL_HEADER_BYTES + k * WHOLE;
  b.copy(c, at(i), at(j), at(j) + WHOLE);
  b.copy(c, at(j), at(i), at(i) + WHOLE);
  return c;
}
async function countBlobs(blobs: FsBlobStore): Promise<number> {
  let n = 0;
  for await (const _ of blobs.keys()) n++;
  return n;
}
