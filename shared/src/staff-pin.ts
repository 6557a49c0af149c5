import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

/**
 * Staff PINs (issue #27): 4 to 8 digits, hashed with scrypt (N=2^14, r=8, p=1, a 16-byte salt) as
 * `pin-scrypt$N$r$p$salt$hash`. The hub hashes a PIN once when it is set; the hash (never the PIN) reaches the
 * person's store in its feed, and the store checks a PIN typed at a lane against it with no network. A PIN has at most
 * 10^8 values, so its hash slows a guesser down and no more: the store locks a lane after failed tries, and the hashes
 * travel only to the person's own store over the authenticated (TLS) feed.
 */
export const PIN_PATTERN = /^\d{4,8}$/;
const N = 2 ** 14;
const R = 8;
const P = 1;
const KEY_LEN = 32;

function scrypt(pin: string, salt: Buffer, keyLen: number, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(pin, salt, keyLen, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** The stored form of a PIN (throws for anything that is not 4 to 8 digits). */
export async function hashPin(pin: string): Promise<string> {
  if (!PIN_PATTERN.test(pin)) throw new Error('a PIN is 4 to 8 digits');
  const salt = randomBytes(16);
  const key = await scrypt(pin, salt, KEY_LEN, N, R, P);
  return `pin-scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `pin` is the one `stored` was made from; false for a malformed hash or parameters out of bounds. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  if (!PIN_PATTERN.test(pin)) return false;
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'pin-scrypt' || !n || !r || !p || !salt || !hash) return false;
  const [nn, rr, pp] = [Number(n), Number(r), Number(p)];
  // bounds, so a hostile roster entry cannot make a lane spend a minute (or a gigabyte) on one check
  if (![2 ** 12, 2 ** 13, 2 ** 14, 2 ** 15].includes(nn) || rr < 1 || rr > 16 || pp < 1 || pp > 4) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length < 16 || expected.length > 64) return false;
  const key = await scrypt(pin, Buffer.from(salt, 'base64url'), expected.length, nn, rr, pp);
  return timingSafeEqual(key, expected);
}
