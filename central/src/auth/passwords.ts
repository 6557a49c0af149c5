import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

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
 * Checks a store secret against its stored hash, the fast form or the scrypt form credentials had before.
 * `upgrade` is set when the secret matched a scrypt hash: the caller stores it in place of the old one.
 */
export async function verifyStoreSecret(secret: string, stored: string): Promise<{ ok: boolean; upgrade?: string }> {
  if (stored.startsWith('sha256$')) {
    const expected = Buffer.from(stored);
    const actual = Buffer.from(hashStoreSecret(secret));
    return { ok: actual.length === expected.length && timingSafeEqual(actual, expected) };
  }
  const ok = await verifySecret(secret, stored);
  return ok ? { ok, upgrade: hashStoreSecret(secret) } : { ok };
}
