import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * The secrets of tracking: a customer's tracking link token (128 random bits; the hub keeps its sha-256 only), the PIN
 * an age-restricted delivery is handed over against (derived from the token, so the tracking page can show it while the
 * hub keeps only a slow hash of it), and a carrier's driver token (issued by the carriers' routes; checked here by its
 * sha-256).
 */

export const TRACKING_TOKEN = /^trk_[A-Za-z0-9_-]{22}$/;

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function newTrackingToken(): string {
  return `trk_${randomBytes(16).toString('base64url')}`;
}

/** The six-digit PIN a tracking token stands for. */
export function pinOf(token: string): string {
  const n = createHash('sha256').update(`pin:${token}`).digest().readUInt32BE(0) % 1_000_000;
  return String(n).padStart(6, '0');
}

// scrypt at N = 2^14 (~16 MiB, tens of ms): a PIN has only a million values, so its hash must be slow to try them all.
const SCRYPT = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

const scryptHex = (pin: string, salt: string): Promise<string> =>
  new Promise((resolve, reject) =>
    scrypt(pin, `delivery-pin:${salt}`, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key.toString('hex')))),
  );

/** The PIN's hash, salted with the delivery's id. */
export const hashPin = (pin: string, deliveryId: string): Promise<string> => scryptHex(pin, deliveryId);

export async function pinMatches(pin: string, deliveryId: string, hash: string): Promise<boolean> {
  const given = Buffer.from(await scryptHex(pin, deliveryId), 'hex');
  const kept = Buffer.from(hash, 'hex');
  return given.length === kept.length && timingSafeEqual(given, kept);
}
