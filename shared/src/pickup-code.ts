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
