import { createHmac } from 'node:crypto';

/**
 * A BOPIS pickup code: `SF1.<payload>.<signature>`, both base64url, the payload JSON `{ r, s, l, e }` (reservation id,
 * store id, lines as [sku, qty] pairs, expiry in epoch ms), the signature Ed25519 by the hub over the payload text.
 * Short enough for a QR code; a store verifies it offline with the hub's public key.
 */
export interface PickupClaim {
  readonly reservationId: string;
  readonly storeId: string;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
  readonly expiresAt: number;
}

export const PICKUP_CODE_PREFIX = 'SF1';

export function pickupPayload(c: PickupClaim): string {
  return Buffer.from(
    JSON.stringify({ r: c.reservationId, s: c.storeId, l: c.lines.map((l) => [l.sku, l.qty]), e: c.expiresAt }),
  ).toString('base64url');
}

/** Splits a code into its signed payload text and signature and decodes the claim; undefined for anything malformed. */
export function parsePickupCode(code: string): { payload: string; signature: Buffer; claim: PickupClaim } | undefined {
  const parts = code.trim().split('.');
  if (parts.length !== 3 || parts[0] !== PICKUP_CODE_PREFIX) return undefined;
  try {
    const raw = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
      r?: unknown;
      s?: unknown;
      l?: unknown;
      e?: unknown;
    };
    if (typeof raw.r !== 'string' || typeof raw.s !== 'string' || typeof raw.e !== 'number' || !Array.isArray(raw.l))
      return undefined;
    const lines = raw.l.map((pair) => {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !Number.isInteger(pair[1]))
        throw new Error('bad line');
      return { sku: pair[0] as string, qty: pair[1] as number };
    });
    return {
      payload: parts[1]!,
      signature: Buffer.from(parts[2]!, 'base64url'),
      claim: { reservationId: raw.r, storeId: raw.s, lines, expiresAt: raw.e },
    };
  } catch {
    return undefined;
  }
}

/**
 * The typed pickup code beside the QR (issue #17): 6 characters a customer reads out and an associate types, shown
 * grouped (`K7M-4QH`). The alphabet keeps one of each look-alike pair (0 not O, 1 not I/L, 5 not S, 2 not Z, 8 not B)
 * and typed look-alikes map onto it, so `k7m 4qh`, `K7M4QH` and `K7M-4OH` (O for 0) are all accepted.
 *
 * 30^6 ≈ 729 million codes (29 bits): too few to stand alone against guessing, so the desk bounds tries (a hold's typed
 * entry locks after `TYPED_CODE_MAX_TRIES` wrong codes; the QR still works) and the stores keep only a keyed hash
 * (`typedCodeHash`, keyed per store by the hub): a leaked feed or backup of the hub's feed tables does not give codes
 * away, but whoever holds the store's database (the key sits beside the hashes) can try all 729 million in minutes.
 */
export const TYPED_CODE_ALPHABET = '0123456789ACDEFGHJKMNPQRTUVWXY';
export const TYPED_CODE_LENGTH = 6;
/** Wrong typed codes a hold takes at the desk before its typed entry locks (scan the QR or ask head office then). */
export const TYPED_CODE_MAX_TRIES = 5;

const LOOK_ALIKES: Record<string, string> = { O: '0', I: '1', L: '1', S: '5', Z: '2', B: '8' };

/** A code from 6 random (or keyed-hash) bytes: 48 bits reduced mod 30^6, so no code is noticeably likelier. */
export function typedCodeFrom(bytes: Uint8Array): string {
  if (bytes.length < 6) throw new Error('a typed pickup code needs 6 bytes');
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + bytes[i]!;
  let code = '';
  for (let i = 0; i < TYPED_CODE_LENGTH; i++) {
    code = TYPED_CODE_ALPHABET[n % 30]! + code;
    n = Math.floor(n / 30);
  }
  return code;
}

/** `K7M4QH` → `K7M-4QH`: how the code is shown and printed. */
export function formatTypedCode(code: string): string {
  return `${code.slice(0, 3)}-${code.slice(3)}`;
}

/**
 * What the associate typed, as a code: any case, spaces and dashes ignored, look-alikes mapped (O→0, I/L→1, S→5, Z→2,
 * B→8); undefined when it cannot be a code (wrong length, other characters).
 */
export function normaliseTypedCode(typed: string): string | undefined {
  if (typed.length > 40) return undefined;
  const code = [...typed.toUpperCase().replace(/[\s\-‐‑–—_.]/g, '')].map((c) => LOOK_ALIKES[c] ?? c).join('');
  if (code.length !== TYPED_CODE_LENGTH) return undefined;
  for (const c of code) if (!TYPED_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}

/** The keyed hash a store keeps of a code (HMAC-SHA256 under the store's typed-code key, 128 bits, base64url). */
export function typedCodeHash(storeKey: string, code: string): string {
  return createHmac('sha256', Buffer.from(storeKey, 'base64url'))
    .update(code)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}
