import { verify } from 'node:crypto';
import { parsePickupCode, type PickupClaim } from '@storefleet/shared';

export type Verdict = { ok: true; claim: PickupClaim } | { ok: false; reason: string };

/** Checks a pickup code offline: the hub's signature, this store, and its validity window. */
export function verifyPickupCode(code: string, publicKey: string | undefined, storeId: string, now: number): Verdict {
  if (!publicKey)
    return {
      ok: false,
      reason: 'this store has not received the hub’s pickup key yet; look the order up by name or id',
    };
  const parsed = parsePickupCode(code);
  if (!parsed) return { ok: false, reason: 'not a pickup code' };
  const key = { key: Buffer.from(publicKey, 'base64url'), format: 'der' as const, type: 'spki' as const };
  if (!verify(null, Buffer.from(parsed.payload), key, parsed.signature))
    return { ok: false, reason: 'pickup code is forged or altered' };
  if (parsed.claim.storeId !== storeId) return { ok: false, reason: 'pickup code is for another store' };
  if (parsed.claim.expiresAt <= now) return { ok: false, reason: 'pickup code has expired' };
  return { ok: true, claim: parsed.claim };
}
