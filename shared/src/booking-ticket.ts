/**
 * A booking's ticket: `SFT1.<payload>.<signature>`, both base64url, the payload JSON `{ b, n, sh, s, st, e, l }`
 * (booking id, ticket number from 1, show id, store id or null for a head-office venue, the show's start and end in
 * epoch ms, and the seat's label or `""` for a place), the signature Ed25519 by the hub over the payload text. Short
 * enough for a QR code; a store's door verifies it offline with the hub's ticket public key
 * (`GET /api/booking/ticket-key`). Like the pickup codes (`pickup-code.ts`), but a separate key: a leaked ticket key
 * does not forge pickups.
 */
export interface TicketClaim {
  readonly bookingId: string;
  readonly ticketNo: number;
  readonly showId: string;
  readonly storeId: string | null;
  readonly startsAt: number;
  readonly endsAt: number;
  /** `STALLS-C-12`, or `""` for a place at a CAPACITY show. */
  readonly seat: string;
}

export const TICKET_CODE_PREFIX = 'SFT1';

export function ticketPayload(c: TicketClaim): string {
  return Buffer.from(
    JSON.stringify({
      b: c.bookingId,
      n: c.ticketNo,
      sh: c.showId,
      s: c.storeId,
      st: c.startsAt,
      e: c.endsAt,
      l: c.seat,
    }),
  ).toString('base64url');
}

/** Splits a code into its signed payload text and signature and decodes the claim; undefined for anything malformed. */
export function parseTicketCode(code: string): { payload: string; signature: Buffer; claim: TicketClaim } | undefined {
  if (typeof code !== 'string' || code.length > 1_000) return undefined;
  const parts = code.trim().split('.');
  if (parts.length !== 3 || parts[0] !== TICKET_CODE_PREFIX) return undefined;
  try {
    const raw = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { b, n, sh, s, st, e, l } = raw;
    if (typeof b !== 'string' || b.length > 64 || typeof sh !== 'string' || sh.length > 64) return undefined;
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 100) return undefined;
    if (s !== null && (typeof s !== 'string' || s.length > 64)) return undefined;
    if (!Number.isInteger(st) || !Number.isInteger(e) || typeof l !== 'string' || l.length > 64) return undefined;
    return {
      payload: parts[1]!,
      signature: Buffer.from(parts[2]!, 'base64url'),
      claim: {
        bookingId: b,
        ticketNo: n as number,
        showId: sh,
        storeId: s as string | null,
        startsAt: st as number,
        endsAt: e as number,
        seat: l,
      },
    };
  } catch {
    return undefined;
  }
}
