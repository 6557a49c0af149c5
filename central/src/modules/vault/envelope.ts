import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The sealed format of one object (one document version, one thumbnail): a header, then the plaintext in segments
 * of `segmentSize` bytes (the last one shorter, possibly empty), each encrypted with AES-256-GCM under the object's
 * own data key and followed by its 16-byte tag.
 *
 *   header  = magic "SFVAULT\0" (8) | format 1 (1) | 0 (3) | segment size, u32 BE (4) | random nonce prefix (8)   = 24
 *   segment = ciphertext (segment size, or less for the last) | tag (16)
 *   nonce   = nonce prefix (8) | segment number, u32 BE (4)
 *   AAD     = header (24) | segment number, u64 BE (8) | last flag (1: 1 on the last segment, else 0)
 *
 * Invariants this buys: a flipped byte anywhere (header included: it is in every segment's AAD) fails a tag; segments
 * swapped fail (their numbers are in the nonce and AAD); a file cut at a segment boundary fails (what is then last
 * was sealed as "not last"); a segment appended fails (the old last was sealed as "last"). The opener gives out a
 * segment's plaintext only after its tag checked, so a reader never receives an unchecked byte. Both directions hold
 * at most two segments in memory, whatever the object's size, and follow their stream's backpressure.
 */
export const SEAL_MAGIC = Buffer.from('SFVAULT\0', 'latin1');
export const SEAL_FORMAT = 1;
export const SEAL_HEADER_BYTES = 24;
export const SEAL_TAG_BYTES = 16;
/** 64 KiB of plaintext per segment: a tag per 64 KiB costs 0.02 % and a damaged read is caught within 64 KiB. */
export const SEAL_SEGMENT_BYTES = 64 * 1024;
/** A header naming a bigger segment is refused before any buffer is sized by it. */
const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
const MAX_SEGMENTS = 2 ** 32;

/** The sealed object does not check out (a tag failed, the header is not ours, the object was cut or extended). */
export class EnvelopeTamperedError extends Error {
  override readonly name: string = 'EnvelopeTamperedError';
}

/** The sealed size of `plaintextBytes` (what the blob store holds). */
export function sealedSize(plaintextBytes: number, segmentSize = SEAL_SEGMENT_BYTES): number {
  const segments = Math.max(1, Math.ceil(plaintextBytes / segmentSize));
  return SEAL_HEADER_BYTES + plaintextBytes + segments * SEAL_TAG_BYTES;
}

function makeHeader(segmentSize: number): Buffer {
  const h = Buffer.alloc(SEAL_HEADER_BYTES);
  SEAL_MAGIC.copy(h, 0);
  h.writeUInt8(SEAL_FORMAT, 8);
  h.writeUInt32BE(segmentSize, 12);
  randomBytes(8).copy(h, 16);
  return h;
}

function nonceOf(header: Buffer, n: number): Buffer {
  const nonce = Buffer.alloc(12);
  header.copy(nonce, 0, 16, 24);
  nonce.writeUInt32BE(n, 8);
  return nonce;
}

function aadOf(header: Buffer, n: number, last: boolean): Buffer {
  const aad = Buffer.alloc(SEAL_HEADER_BYTES + 9);
  header.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(n), SEAL_HEADER_BYTES);
  aad.writeUInt8(last ? 1 : 0, SEAL_HEADER_BYTES + 8);
  return aad;
}

/** Chunks in arrival order, from which whole segments are cut without copying everything on every chunk. */
class ChunkQueue {
  #chunks: Buffer[] = [];
  length = 0;
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.length += chunk.length;
  }
  /** Removes and returns the first `n` bytes (n ≤ length). */
  take(n: number): Buffer {
    const first = this.#chunks[0];
    if (first && first.length === n) {
      this.#chunks.shift();
      this.length -= n;
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const want = n - at;
      if (c.length <= want) {
        c.copy(out, at);
        at += c.length;
        this.#chunks.shift();
      } else {
        c.copy(out, at, 0, want);
        this.#chunks[0] = c.subarray(want);
        at += want;
      }
    }
    this.length -= n;
    return out;
  }
}

/**
 * Plaintext in, sealed object out, under `dataKey` (32 bytes). `onPlaintext` sees every plaintext chunk (the caller
 * hashes and counts there, and may throw to stop a source that runs too long: the stream then errors with that throw).
 */
export function sealTransform(
  dataKey: Buffer,
  options: { readonly segmentSize?: number; readonly onPlaintext?: (chunk: Buffer) => void } = {},
): Transform {
  const segmentSize = options.segmentSize ?? SEAL_SEGMENT_BYTES;
  if (!Number.isInteger(segmentSize) || segmentSize < 1 || segmentSize > MAX_SEGMENT_BYTES)
    throw new RangeError(`segment size ${segmentSize} is not between 1 and ${MAX_SEGMENT_BYTES}`);
  const header = makeHeader(segmentSize);
  const queue = new ChunkQueue();
  let n = 0;
  const seal = (plain: Buffer, last: boolean): [Buffer, Buffer] => {
    if (n >= MAX_SEGMENTS) throw new RangeError('the object has more segments than the format can number');
    const c = createCipheriv('aes-256-gcm', dataKey, nonceOf(header, n));
    c.setAAD(aadOf(header, n, last));
    const body = c.update(plain);
    c.final();
    n++;
    return [body, c.getAuthTag()];
  };
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        options.onPlaintext?.(chunk);
        queue.push(chunk);
        const out: Buffer[] = [];
        if (!headerSent) {
          out.push(header);
          headerSent = true;
        }
        // a segment is sealed only once more data follows it: until then it may be the last
        while (queue.length > segmentSize) out.push(...seal(queue.take(segmentSize), false));
        // one push per input chunk, not per segment: the stream machinery costs more than the copy
        if (out.length) this.push(out.length === 1 ? out[0] : Buffer.concat(out));
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        const out = [...seal(queue.take(queue.length), true)];
        if (!headerSent) out.unshift(header);
        this.push(Buffer.concat(out));
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/**
 * Sealed object in, plaintext out, under `dataKey`. Each segment's plaintext is pushed only after its tag checked;
 * anything that does not check out errors the stream with `EnvelopeTamperedError` (made by `tampered`, so a caller
 * can raise its own subclass).
 */
export function openTransform(
  dataKey: Buffer,
  tampered: (message: string) => Error = (m) => new EnvelopeTamperedError(m),
): Transform {
  const queue = new ChunkQueue();
  let header: Buffer | null = null;
  let segmentSize = 0;
  let n = 0;
  const open = (sealed: Buffer, last: boolean): Buffer => {
    if (!header) throw tampered('the sealed object has no header');
    if (sealed.length < SEAL_TAG_BYTES) throw tampered(`segment ${n} is cut short`);
    const body = sealed.subarray(0, sealed.length - SEAL_TAG_BYTES);
    const d = createDecipheriv('aes-256-gcm', dataKey, nonceOf(header, n));
    d.setAAD(aadOf(header, n, last));
    d.setAuthTag(sealed.subarray(sealed.length - SEAL_TAG_BYTES));
    const plain = d.update(body);
    try {
      d.final();
    } catch {
      throw tampered(`segment ${n}${last ? ' (the last)' : ''} failed its integrity check`);
    }
    n++;
    return plain;
  };
  const readHeader = (): void => {
    const h = queue.take(SEAL_HEADER_BYTES);
    if (!h.subarray(0, 8).equals(SEAL_MAGIC)) throw tampered('the object is not a sealed vault object');
    if (h.readUInt8(8) !== SEAL_FORMAT) throw tampered(`sealed format ${h.readUInt8(8)} is not one this hub reads`);
    segmentSize = h.readUInt32BE(12);
    if (segmentSize < 1 || segmentSize > MAX_SEGMENT_BYTES)
      throw tampered(`the header names a ${segmentSize}-byte segment`);
    header = h;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        queue.push(chunk);
        if (!header && queue.length >= SEAL_HEADER_BYTES) readHeader();
        if (header) {
          const whole = segmentSize + SEAL_TAG_BYTES;
          const out: Buffer[] = [];
          while (queue.length > whole) out.push(open(queue.take(whole), false));
          // pushed together once every segment of this chunk checked (one push per chunk, as the sealer does)
          const plain = out.length === 1 ? out[0]! : Buffer.concat(out);
          if (plain.length) this.push(plain);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!header) {
          if (queue.length < SEAL_HEADER_BYTES) throw tampered('the sealed object is cut short (no whole header)');
          readHeader();
        }
        const plain = open(queue.take(queue.length), true);
        if (plain.length) this.push(plain);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
