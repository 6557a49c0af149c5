import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  timingSafeEqual,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import type { CouponRefusal, SigningKey } from './types.js';

/**
 * Signed codes the hub issues and stores verify offline with the hub's public keys (Ed25519, node:crypto): single-use
 * coupons and Scan & Go exit tokens. A code is printable ASCII (`[A-Za-z0-9._-]`, at most 200 characters) so it fits a
 * QR code, a Code 128 barcode on paper and a typed field.
 *
 * Wire format (binary claims, then the 64-byte signature, all base64url without padding, in canonical form):
 *   byte 0        format: high nibble = kind (1 coupon, 2 exit token), low nibble = flags
 *                 coupon flags: bit0 promotionId is a lowercase UUID (16 bytes), bits 1–2 expiry unit (0 ms, 1 s, 2 min)
 *                 exit flags:   bit0 sessionId is a UUID, bit1 storeId is a UUID, bit2 audit (unsealed tokens only:
 *                 a sealed token leaves it 0), bit3 issuedAt in seconds
 *   keyId         1 length byte + ASCII
 *   ids           16 bytes for a lowercase UUID, else 1 length byte + UTF-8 (≤ 64 bytes)
 *   integers      unsigned LEB128 varints (≤ 2^53)
 *   coupon:       promotionId, serial, expiresAt (in its unit)
 *   exit token:   sessionId, storeId, itemCount, totalMinor, issuedAt (in its unit), validUntil − issuedAt (ms),
 *                 then the audit seal (8 bytes; absent in the unsealed tokens signed before it): the first 8 bytes of
 *                 HMAC-SHA256(door key, sessionId ‖ 0x00 ‖ audit bit), where the door key is the store's
 *                 (`exitDoorKey`: derived by the hub from the signing key's private half and the store id, sent only
 *                 to that store). The customer holding the token cannot tell an audited exit from another (the seal
 *                 of either is 8 bytes no one without the door key can tell apart); the door computes both and knows.
 * The signature covers a domain tag ("sf-coupon-1" / "sf-exit-1") and the claims, so one kind of code never verifies
 * as the other. A coupon for a UUID promotion with a short key id is ~120 characters.
 *
 * Checks in order (the first that fails is the refusal): MALFORMED (not a code of this kind), UNKNOWN_KEY (no key
 * with its id), FORGED (the signature does not match), RETIRED_KEY (the key's `retiredAt` is at or before the time of
 * checking; for an exit token also when it was issued after its key was retired), WRONG_STORE (exit tokens), NOT_YET
 * (exit tokens issued more than `CLOCK_SKEW_MS` after the time of checking), EXPIRED (at or after
 * `expiresAt` / `validUntil`). Verification never throws: any input gets a verdict.
 */

/** A new signing key pair: the public half (raw 32 bytes, base64url) goes to stores, the private half never leaves the hub. */
export interface SigningKeyPair {
  readonly keyId: string;
  readonly publicKey: string;
  /** PKCS#8 DER as base64url. */
  readonly privateKey: string;
}

/** How far ahead of a store's clock a code may say it was issued (store clocks drift a little). */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** The longest code: what fits a printed Code 128 and a typed field. */
export const MAX_CODE_LENGTH = 200;

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const COUPON_TAG = Buffer.from('sf-coupon-1\0');
const EXIT_TAG = Buffer.from('sf-exit-1\0');
const KIND_COUPON = 1;
const KIND_EXIT = 2;

export function newSigningKeyPair(keyId?: string): SigningKeyPair {
  const id = keyId ?? `k${randomBytes(4).toString('base64url')}`;
  if (!KEY_ID.test(id)) throw new RangeError(`a key id is 1–32 of [A-Za-z0-9_-], got ${JSON.stringify(id)}`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    keyId: id,
    publicKey: spki.subarray(SPKI_ED25519_PREFIX.length).toString('base64url'),
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url'),
  };
}

// createPublicKey/createPrivateKey cost more than a verification; a till checks a code per scan. Bounded caches.
const publicKeys = new Map<string, KeyObject | null>();
const privateKeys = new Map<string, KeyObject>();
function publicKeyObject(raw: string): KeyObject | null {
  let k = publicKeys.get(raw);
  if (k !== undefined) return k;
  try {
    const bytes = Buffer.from(raw, 'base64url');
    k =
      bytes.length === 32
        ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' })
        : null;
  } catch {
    k = null;
  }
  if (publicKeys.size >= 256) publicKeys.clear();
  publicKeys.set(raw, k);
  return k;
}
function privateKeyObject(der: string): KeyObject {
  let k = privateKeys.get(der);
  if (!k) {
    k = createPrivateKey({ key: Buffer.from(der, 'base64url'), format: 'der', type: 'pkcs8' });
    if (k.asymmetricKeyType !== 'ed25519') throw new RangeError('the signing key is not an Ed25519 key');
    if (privateKeys.size >= 64) privateKeys.clear();
    privateKeys.set(der, k);
  }
  return k;
}

// ---- binary claims -------------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

class Writer {
  readonly bytes: number[] = [];
  byte(b: number): void {
    this.bytes.push(b & 0xff);
  }
  varint(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
    let v = n;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }
  text(s: string, max: number, what: string): void {
    const b = Buffer.from(s, 'utf8');
    if (b.length < 1 || b.length > max) throw new RangeError(`${what} must be 1–${max} bytes, got ${b.length}`);
    this.byte(b.length);
    for (const x of b) this.bytes.push(x);
  }
  id(s: string, what: string): void {
    if (UUID.test(s)) for (const x of Buffer.from(s.replaceAll('-', ''), 'hex')) this.bytes.push(x);
    else this.text(s, 64, what);
  }
}

/** Reads claims; every read throws on a short or bad buffer (the callers catch and answer MALFORMED). */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('short');
    return this.buf[this.pos++]!;
  }
  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(n) || (i > 0 && b === 0)) throw new Error('varint');
        return n;
      }
      scale *= 0x80;
    }
    throw new Error('varint');
  }
  text(): string {
    const len = this.byte();
    if (len < 1 || this.pos + len > this.buf.length) throw new Error('short');
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    if (Buffer.byteLength(s) !== len) throw new Error('utf8');
    return s;
  }
  uuid(): string {
    if (this.pos + 16 > this.buf.length) throw new Error('short');
    const h = this.buf.toString('hex', this.pos, this.pos + 16);
    this.pos += 16;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  id(isUuid: boolean): string {
    if (isUuid) return this.uuid();
    const s = this.text();
    if (UUID.test(s)) throw new Error('non-canonical id');
    return s;
  }
}

function finish(privateKey: string, tag: Buffer, w: Writer): string {
  const claims = Buffer.from(w.bytes);
  const sig = sign(null, Buffer.concat([tag, claims]), privateKeyObject(privateKey));
  const code = Buffer.concat([claims, sig]).toString('base64url');
  if (code.length > MAX_CODE_LENGTH) throw new RangeError(`the code would be ${code.length} characters (at most 200)`);
  return code;
}

const CODE = /^[A-Za-z0-9_-]+$/;
/** The code's bytes: claims and signature; null when it is not canonical base64url of a plausible length. */
function decode(code: unknown): { claims: Buffer; sig: Buffer } | null {
  if (typeof code !== 'string') return null;
  const s = code.trim();
  if (s.length < 90 || s.length > MAX_CODE_LENGTH || !CODE.test(s)) return null;
  const buf = Buffer.from(s, 'base64url');
  // One code, one spelling: the unused low bits of the last character must be zero.
  if (buf.toString('base64url') !== s || buf.length <= 64) return null;
  return { claims: buf.subarray(0, buf.length - 64), sig: buf.subarray(buf.length - 64) };
}

function fmtTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function checkSignature(
  keys: readonly SigningKey[],
  keyId: string,
  tag: Buffer,
  claims: Buffer,
  sig: Buffer,
): { ok: true; key: SigningKey } | { ok: false; refusal: 'UNKNOWN_KEY' | 'FORGED' } {
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) return { ok: false, refusal: 'UNKNOWN_KEY' };
  const pub = publicKeyObject(key.publicKey);
  let good = false;
  try {
    good = pub !== null && verify(null, Buffer.concat([tag, claims]), pub, sig);
  } catch {
    good = false;
  }
  return good ? { ok: true, key } : { ok: false, refusal: 'FORGED' };
}

// ---- coupons ---------------------------------------------------------------------------------------------------------

export interface CouponClaims {
  readonly keyId: string;
  readonly promotionId: string;
  /** The code's number within its promotion (1, 2, …): `<promotionId>:<serial>` is the coupon's id. */
  readonly serial: number;
  /** Refused from this time on (epoch ms). */
  readonly expiresAt: number;
}
export const couponIdOf = (c: Pick<CouponClaims, 'promotionId' | 'serial'>): string => `${c.promotionId}:${c.serial}`;

/** Signs a coupon. Throws RangeError for claims that cannot be one (a bad key id, a negative serial, too long). */
export function signCoupon(privateKey: string, claims: CouponClaims): string {
  if (!KEY_ID.test(claims.keyId)) throw new RangeError(`bad key id ${JSON.stringify(claims.keyId)}`);
  const w = new Writer();
  const exp = claims.expiresAt;
  const unit = exp % 60_000 === 0 ? 2 : exp % 1000 === 0 ? 1 : 0;
  w.byte((KIND_COUPON << 4) | (UUID.test(claims.promotionId) ? 1 : 0) | (unit << 1));
  w.text(claims.keyId, 32, 'the key id');
  w.id(claims.promotionId, 'the promotion id');
  w.varint(claims.serial, 'the serial');
  w.varint(unit === 2 ? exp / 60_000 : unit === 1 ? exp / 1000 : exp, 'expiresAt');
  return finish(privateKey, COUPON_TAG, w);
}

function parseCoupon(claims: Buffer): CouponClaims {
  const r = new Reader(claims);
  const head = r.byte();
  if (head >> 4 !== KIND_COUPON || (head & 0b1000) !== 0) throw new Error('kind');
  const unit = (head >> 1) & 0b11;
  if (unit === 3) throw new Error('unit');
  const keyId = r.text();
  if (!KEY_ID.test(keyId)) throw new Error('key id');
  const promotionId = r.id((head & 1) === 1);
  const serial = r.varint();
  const raw = r.varint();
  const expiresAt = unit === 2 ? raw * 60_000 : unit === 1 ? raw * 1000 : raw;
  if (r.pos !== claims.length || !Number.isSafeInteger(expiresAt)) throw new Error('trailing');
  return { keyId, promotionId, serial, expiresAt };
}

/** The claims of a well-formed code, unverified (to say which coupon a refused code was); null when it is not one. */
export function readCoupon(code: string): CouponClaims | null {
  const d = decode(code);
  if (!d) return null;
  try {
    return parseCoupon(d.claims);
  } catch {
    return null;
  }
}

export type CouponCheck =
  | { readonly ok: true; readonly claims: CouponClaims; readonly couponId: string }
  | { readonly ok: false; readonly refusal: CouponRefusal; readonly message: string };

const COUPON_MESSAGES = {
  MALFORMED: 'This is not a coupon code: scan it again or type it in full.',
  UNKNOWN_KEY:
    'This coupon was signed with a key this till does not know yet. It may be brand new: try again after the store has synced, or ask head office.',
  FORGED: 'This coupon is not genuine (its signature does not match). Do not accept it.',
} as const;

/** Verifies a coupon offline against the hub's public keys at time `at`. Never throws. */
export function verifyCoupon(code: string, keys: readonly SigningKey[], at: number): CouponCheck {
  try {
    const d = decode(code);
    let claims: CouponClaims | null = null;
    if (d) {
      try {
        claims = parseCoupon(d.claims);
      } catch {
        claims = null;
      }
    }
    if (!d || !claims) return { ok: false, refusal: 'MALFORMED', message: COUPON_MESSAGES.MALFORMED };
    const sig = checkSignature(keys, claims.keyId, COUPON_TAG, d.claims, d.sig);
    if (!sig.ok) return { ok: false, refusal: sig.refusal, message: COUPON_MESSAGES[sig.refusal] };
    const key = sig.key;
    if (key.retiredAt !== null && at >= key.retiredAt)
      return {
        ok: false,
        refusal: 'RETIRED_KEY',
        message: `This coupon was signed with a key retired on ${fmtTime(key.retiredAt)}; it is no longer accepted.`,
      };
    if (at >= claims.expiresAt)
      return { ok: false, refusal: 'EXPIRED', message: `This coupon expired on ${fmtTime(claims.expiresAt)}.` };
    return { ok: true, claims, couponId: couponIdOf(claims) };
  } catch {
    return { ok: false, refusal: 'MALFORMED', message: COUPON_MESSAGES.MALFORMED };
  }
}

// ---- exit tokens -----------------------------------------------------------------------------------------------------

/** What a Scan & Go exit token says: checked at the door with no network. */
export interface ExitClaims {
  readonly keyId: string;
  readonly sessionId: string;
  readonly storeId: string;
  readonly itemCount: number;
  readonly totalMinor: number;
  readonly issuedAt: number;
  /** The door accepts it until then (epoch ms). */
  readonly validUntil: number;
  /**
   * Drawn at random by the hub when it signed: tells the associate to check the bag. Sealed in the token (only the
   * store's door reads it back, with its door key).
   */
  readonly audit: boolean;
}
export const EXIT_REFUSALS = [
  'FORGED',
  'MALFORMED',
  'EXPIRED',
  'NOT_YET',
  'WRONG_STORE',
  'UNKNOWN_KEY',
  'RETIRED_KEY',
] as const;
export type ExitRefusal = (typeof EXIT_REFUSALS)[number];
export type ExitCheck =
  | {
      readonly ok: true;
      readonly claims: ExitClaims;
      /** The token's audit seal could not be opened (no door key for its key here): `claims.audit` is true to be safe. */
      readonly auditUnread?: true;
    }
  | { readonly ok: false; readonly refusal: ExitRefusal; readonly message: string };

/**
 * The door key of a store for one signing key: HMAC-SHA256(the private key's bytes, 'door:' + storeId), base64url.
 * The hub derives it again whenever it needs it (nothing more to keep) and sends it only to that store, which reads
 * the audit decision sealed in its exit tokens with it.
 */
export function exitDoorKey(privateKey: string, storeId: string): string {
  return createHmac('sha256', Buffer.from(privateKey, 'base64url')).update(`door:${storeId}`).digest('base64url');
}

/** A store's door key for one signing key (its store-rules page carries them). */
export interface DoorKey {
  readonly keyId: string;
  readonly key: string;
}

const SEAL_BYTES = 8;
function auditSeal(doorKey: string, sessionId: string, audit: boolean): Buffer {
  return createHmac('sha256', Buffer.from(doorKey, 'base64url'))
    .update(Buffer.concat([Buffer.from(sessionId, 'utf8'), Buffer.from([0, audit ? 1 : 0])]))
    .digest()
    .subarray(0, SEAL_BYTES);
}

/**
 * The audit decision sealed in a token, read with the store's door keys: true/false, or null when the store holds no
 * door key that opens the seal (a key it has not heard yet).
 */
function openSeal(claims: ParsedExit, doorKeys: readonly DoorKey[]): boolean | null {
  if (!claims.seal) return claims.audit;
  for (const k of doorKeys) {
    if (k.keyId !== claims.keyId) continue;
    for (const audit of [true, false])
      if (timingSafeEqual(auditSeal(k.key, claims.sessionId, audit), claims.seal)) return audit;
  }
  return null;
}

/**
 * Signs an exit token, its audit decision sealed for the store's door (`exitDoorKey` of this key and the claims'
 * store). Throws RangeError for claims that cannot be one (validUntil before issuedAt, too long).
 */
export function signExitToken(privateKey: string, claims: ExitClaims): string {
  if (!KEY_ID.test(claims.keyId)) throw new RangeError(`bad key id ${JSON.stringify(claims.keyId)}`);
  const w = new Writer();
  const secs = claims.issuedAt % 1000 === 0;
  w.byte(
    (KIND_EXIT << 4) | (UUID.test(claims.sessionId) ? 1 : 0) | (UUID.test(claims.storeId) ? 2 : 0) | (secs ? 8 : 0),
  );
  w.text(claims.keyId, 32, 'the key id');
  w.id(claims.sessionId, 'the session id');
  w.id(claims.storeId, 'the store id');
  w.varint(claims.itemCount, 'itemCount');
  w.varint(claims.totalMinor, 'totalMinor');
  w.varint(secs ? claims.issuedAt / 1000 : claims.issuedAt, 'issuedAt');
  w.varint(claims.validUntil - claims.issuedAt, 'validUntil − issuedAt');
  for (const b of auditSeal(exitDoorKey(privateKey, claims.storeId), claims.sessionId, claims.audit)) w.byte(b);
  return finish(privateKey, EXIT_TAG, w);
}

/** Claims as read from the bytes: `seal` set on a sealed token (whose `audit` is not known until it is opened). */
type ParsedExit = ExitClaims & { readonly seal: Buffer | null };

function parseExit(claims: Buffer): ParsedExit {
  const r = new Reader(claims);
  const head = r.byte();
  if (head >> 4 !== KIND_EXIT) throw new Error('kind');
  const keyId = r.text();
  if (!KEY_ID.test(keyId)) throw new Error('key id');
  const sessionId = r.id((head & 1) !== 0);
  const storeId = r.id((head & 2) !== 0);
  const itemCount = r.varint();
  const totalMinor = r.varint();
  const rawIssued = r.varint();
  const issuedAt = (head & 8) !== 0 ? rawIssued * 1000 : rawIssued;
  const validUntil = issuedAt + r.varint();
  const left = claims.length - r.pos;
  if ((left !== 0 && left !== SEAL_BYTES) || !Number.isSafeInteger(validUntil)) throw new Error('trailing');
  // a sealed token never sets the readable bit: one that does is not one the hub signed
  if (left === SEAL_BYTES && (head & 4) !== 0) throw new Error('audit bit on a sealed token');
  const seal = left === SEAL_BYTES ? Buffer.from(claims.subarray(r.pos)) : null;
  return { keyId, sessionId, storeId, itemCount, totalMinor, issuedAt, validUntil, audit: (head & 4) !== 0, seal };
}

/**
 * The claims of a well-formed exit token, unverified; null when it is not one. Its audit decision is read only with
 * the store's door keys (`doorKeys`); without them a sealed token's `audit` reads false (what a customer sees).
 */
export function readExitToken(token: string, doorKeys: readonly DoorKey[] = []): ExitClaims | null {
  const d = decode(token);
  if (!d) return null;
  try {
    const p = parseExit(d.claims);
    const { seal: _, ...c } = p;
    return { ...c, audit: openSeal(p, doorKeys) === true };
  } catch {
    return null;
  }
}

const EXIT_MESSAGES = {
  MALFORMED: 'This is not a Scan & Go exit code: ask the customer to open the receipt in the app again.',
  UNKNOWN_KEY:
    'This exit code was signed with a key this store does not know yet: check the bag and the receipt in the app.',
  FORGED: 'This exit code is not genuine (its signature does not match): check the bag and the payment.',
} as const;

/**
 * Verifies an exit token offline at a store's door at time `at`. Never throws. The audit decision is opened with the
 * store's door keys (`where.doorKeys`); a sealed token the store holds no door key for reads `audit: true` (check the
 * bag: the store cannot tell) with `auditUnread: true`.
 */
export function verifyExitToken(
  token: string,
  keys: readonly SigningKey[],
  where: { readonly storeId: string; readonly at: number; readonly doorKeys?: readonly DoorKey[] },
): ExitCheck {
  try {
    const d = decode(token);
    let claims: ParsedExit | null = null;
    if (d) {
      try {
        claims = parseExit(d.claims);
      } catch {
        claims = null;
      }
    }
    if (!d || !claims) return { ok: false, refusal: 'MALFORMED', message: EXIT_MESSAGES.MALFORMED };
    const sig = checkSignature(keys, claims.keyId, EXIT_TAG, d.claims, d.sig);
    if (!sig.ok) return { ok: false, refusal: sig.refusal, message: EXIT_MESSAGES[sig.refusal] };
    const { retiredAt } = sig.key;
    if (retiredAt !== null && (where.at >= retiredAt || claims.issuedAt >= retiredAt))
      return {
        ok: false,
        refusal: 'RETIRED_KEY',
        message: `This exit code was signed with a key retired on ${fmtTime(retiredAt)}: check the bag and the payment.`,
      };
    if (claims.storeId !== where.storeId)
      return {
        ok: false,
        refusal: 'WRONG_STORE',
        message: 'This exit code was paid for at another store: check the bag and the receipt in the app.',
      };
    if (where.at + CLOCK_SKEW_MS < claims.issuedAt)
      return {
        ok: false,
        refusal: 'NOT_YET',
        message: `This exit code says it was paid at ${fmtTime(claims.issuedAt)}, later than now: check the door's clock.`,
      };
    if (where.at >= claims.validUntil)
      return {
        ok: false,
        refusal: 'EXPIRED',
        message: `This exit code expired at ${fmtTime(claims.validUntil)}: check the bag and the receipt in the app.`,
      };
    const { seal: _, ...rest } = claims;
    const audit = openSeal(claims, where.doorKeys ?? []);
    return audit === null
      ? { ok: true, claims: { ...rest, audit: true }, auditUnread: true }
      : { ok: true, claims: { ...rest, audit } };
  } catch {
    return { ok: false, refusal: 'MALFORMED', message: EXIT_MESSAGES.MALFORMED };
  }
}
