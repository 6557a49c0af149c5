/**
 * UUIDv7 (RFC 9562 §5.7): 48-bit Unix ms timestamp, version, 12 bits of sub-ms sequence, variant, 62 random bits.
 * Ids made in one process are strictly increasing, even within one millisecond, so they sort by creation.
 */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type StoreId = Brand<string, 'StoreId'>;
export type UserId = Brand<string, 'UserId'>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const UUID_V7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

let lastMs = -1;
let seq = 0;

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
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const hi = Math.floor(ms / 2 ** 16);
  bytes[0] = (hi >>> 24) & 0xff;
  bytes[1] = (hi >>> 16) & 0xff;
  bytes[2] = (hi >>> 8) & 0xff;
  bytes[3] = hi & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | ((seq >>> 8) & 0x0f);
  bytes[7] = seq & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
