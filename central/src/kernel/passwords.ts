import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '@storefleet/shared';

/**
 * Password hashes: scrypt (RFC 7914) with N=2^15, r=8, p=1 and a 16-byte salt, stored as
 * `scrypt$N$r$p$salt$hash`. The parameters travel with the hash so they can be raised later without a migration.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LEN = 32;

function scrypt(secret: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, KEY_LEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(key, expected);
}

/** A random secret for a store credential or a session token (256 bits, URL-safe). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A store credential's hash: `sha256$<base64url>`. A store secret is 256 random bits (`newSecret`), so a slow hash
 * adds nothing against guessing and only costs CPU on every token renewal; one SHA-256 makes a wrong guess as cheap to
 * refuse as a right one is to accept, so the exchange needs no failure limit (which could lock a store out).
 * Never use this for people's passwords.
 */
export function hashStoreSecret(secret: string): string {
  return `sha256$${createHash('sha256').update(secret).digest('base64url')}`;
}

/**
 * How many store secrets may be checked against an old scrypt hash at once, in this process. Each such check holds
 * one of libuv's few pool threads (4 by default) for tens of ms, and the exchange has no failure limit, so unbounded,
 * wrong secrets sent for a store not yet upgraded would leave no thread for people's sign-ins. Past the cap the
 * exchange answers 503 with Retry-After; the fast form never waits for this gate.
 */
export const LEGACY_STORE_VERIFY_CAP = 2;

/** Counts the scrypt checks of store secrets running now and the most ever seen at once (for tests and metrics). */
export const legacyStoreVerifies = { active: 0, peak: 0 };

/** The store exchange is busy checking old scrypt hashes: 503, retry after `retryAfterSeconds`. */
export class StoreVerifyBusyError extends AppError {
  constructor(readonly retryAfterSeconds = 1) {
    super('unavailable', 'too many store credentials are being checked right now; retry shortly', {
      retryAfterSeconds,
    });
  }
}

/** Compared against when the store id is unknown, so that answer costs the same SHA-256 as a wrong secret. */
const UNKNOWN_STORE_HASH = hashStoreSecret(newSecret());

/**
 * Checks a store secret against its stored hash, the fast form or the scrypt form credentials had before, or — when
 * `stored` is undefined (no such store, or no credential) — against a hash nothing matches, at the fast form's cost,
 * so the time of the answer does not tell which store ids exist. `upgrade` is set when the secret matched a scrypt
 * hash: the caller stores it in place of the old one. Throws StoreVerifyBusyError when an scrypt check would pass
 * LEGACY_STORE_VERIFY_CAP.
 */
export async function verifyStoreSecret(
  secret: string,
  stored: string | null | undefined,
): Promise<{ ok: boolean; upgrade?: string }> {
  if (!stored || stored.startsWith('sha256$')) {
    const expected = Buffer.from(stored || UNKNOWN_STORE_HASH);
    const actual = Buffer.from(hashStoreSecret(secret));
    const same = actual.length === expected.length && timingSafeEqual(actual, expected);
    return { ok: same && !!stored };
  }
  if (legacyStoreVerifies.active >= LEGACY_STORE_VERIFY_CAP) throw new StoreVerifyBusyError();
  legacyStoreVerifies.active++;
  legacyStoreVerifies.peak = Math.max(legacyStoreVerifies.peak, legacyStoreVerifies.active);
  try {
    const ok = await verifySecret(secret, stored);
    return ok ? { ok, upgrade: hashStoreSecret(secret) } : { ok };
  } finally {
    legacyStoreVerifies.active--;
  }
}
