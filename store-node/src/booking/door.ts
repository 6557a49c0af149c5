import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { parseTicketCode, type TicketClaim } from '@storefleet/shared';

/** The door opens this long before a show starts. */
export const DOOR_OPENS_BEFORE_MS = 2 * 3_600_000;

export type TicketVerdict = { ok: true; claim: TicketClaim } | { ok: false; reason: string };

const keys = new Map<string, KeyObject>();
/** The hub's ticket key (SPKI DER, base64url) as a key object, or undefined for text that is not an Ed25519 key. */
export function ticketKey(publicKey: string): KeyObject | undefined {
  let k = keys.get(publicKey);
  if (!k) {
    try {
      k = createPublicKey({ key: Buffer.from(publicKey, 'base64url'), format: 'der', type: 'spki' });
    } catch {
      return undefined;
    }
    if (k.asymmetricKeyType !== 'ed25519') return undefined;
    if (keys.size > 8) keys.clear();
    keys.set(publicKey, k);
  }
  return k;
}

/** Checks a ticket code offline: its form and the hub's signature over it. Which store and when are the caller's. */
export function verifyTicketCode(code: string, publicKey: string): TicketVerdict {
  const parsed = parseTicketCode(code);
  const key = ticketKey(publicKey);
  if (!parsed || !key) return { ok: false, reason: 'not a valid ticket' };
  let good = false;
  try {
    good = verify(null, Buffer.from(parsed.payload), key, parsed.signature);
  } catch {
    good = false;
  }
  return good ? { ok: true, claim: parsed.claim } : { ok: false, reason: 'not a valid ticket' };
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, timeZone: string): Record<string, string> {
  let f = wallClocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    wallClocks.set(timeZone, f);
  }
  return Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
}

/** `18:02` in the store's zone. */
export function clockTime(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  return `${p.hour}:${p.minute}`;
}

/** `Sat 5 Dec 19:30` in the store's zone. */
export function dayAndTime(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  return `${p.weekday} ${p.day} ${p.month} ${p.hour}:${p.minute}`;
}
