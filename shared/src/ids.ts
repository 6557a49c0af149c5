/**
 * UUIDv7 (RFC 9562 §5.7): 48-bit Unix ms timestamp, version, 12 bits of sub-ms sequence, variant, 62 random bits.
 * Ids made in one process are strictly increasing, even within one millisecond, so they sort by creation (a test
 * runner that runs file after file in one process starts each file's from a fresh clock: resetUuidv7ClockForTests).
 */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type StoreId = Brand<string, 'StoreId'>;
export type UserId = Brand<string, 'UserId'>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const UUID_V7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

let lastMs = -1;
let seq = 0;

/**
 * Forgets the last timestamp, as a new process starts. Never in production code (ids would stop increasing). For a test
 * runner that runs file after file in one process: a
 * file whose hub clock ran years ahead would otherwise leave every later file's ids on that millisecond.
 */
export function resetUuidv7ClockForTests(): void {
  lastMs = -1;
  seq = 0;
}

// Random bytes drawn 4 KiB at a time: one getRandomValues call per id costs more than the rest of the id.
const pool = new Uint8Array(4096);
let poolAt = pool.length;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function uuidv7(nowMs: number = Date.now()): string {
  // A clock that steps back must not make ids go backwards: keep the last timestamp and count on.
  let ms = Math.max(nowMs, lastMs);
  if (ms === lastMs) {
    seq += 1;
    if (seq > 0xfff) {
      ms += 1;
      seq = 0;
    }
  } else {
    seq = 0;
  }
  lastMs = ms;
  if (poolAt + 8 > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const r = pool.subarray(poolAt, poolAt + 8);
  poolAt += 8;
  const hi = Math.floor(ms / 2 ** 16);
  const h = (b: number) => HEX[b & 0xff]!;
  return (
    h(hi >>> 24) +
    h(hi >>> 16) +
    h(hi >>> 8) +
    h(hi) +
    '-' +
    h(ms >>> 8) +
    h(ms) +
    '-' +
    h(0x70 | ((seq >>> 8) & 0x0f)) +
    h(seq) +
    '-' +
    h(0x80 | (r[0]! & 0x3f)) +
    h(r[1]!) +
    '-' +
    h(r[2]!) +
    h(r[3]!) +
    h(r[4]!) +
    h(r[5]!) +
    h(r[6]!) +
    h(r[7]!)
  );
}

/** The creation time (epoch ms) carried in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

export function isUuidV7(value: string): boolean {
  return UUID_V7_RE.test(value);
}
