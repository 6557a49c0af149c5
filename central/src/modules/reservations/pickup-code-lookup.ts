import { formatTypedCode, NotFoundError } from '@storefleet/shared';
import type { Db } from '../../db/db.js';
import type { PickupCode, PickupCodeLookup, Reservations } from '../../kernel/ports/reservations.js';
import { PickupCodes, TypedCodes, typedCodeOf } from './pickup-codes.js';
import { PICKUP_WINDOW_MS } from './rules.js';

/**
 * `PICKUP_CODES` (issue #26): an order's page (GraphQL's `Order.pickupCode`) shows the code its hold's customer takes
 * to the desk. The codes are made exactly as `GET /api/reservations/{id}` makes them (the signed code for the pickup
 * window from the hold's creation, the typed code found again from its hash), so the QR on the web page and the one
 * the REST answer gives are the same. A hold that ended (picked up, released, expired) has no code to show. The keys
 * are loaded on the first ask (every replica shares them through the database) and kept.
 */
export function pickupCodeLookup(db: Db, reservations: Reservations, now: () => number): PickupCodeLookup {
  let keys: Promise<[PickupCodes, TypedCodes]> | undefined;
  const load = () => {
    keys ??= Promise.all([PickupCodes.load(db, now()), TypedCodes.load(db, now())]);
    keys.catch(() => (keys = undefined)); // a failed load is tried again on the next ask
    return keys;
  };
  return {
    async pickupCodeOf(reservationId): Promise<PickupCode | undefined> {
      const hold = await reservations.get(reservationId).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (!hold || (hold.status !== 'HELD' && hold.status !== 'CONFIRMED')) return undefined;
      const [codes, typed] = await load();
      const typedCode = typedCodeOf(typed, hold);
      return {
        storeId: hold.storeId,
        code: codes.code({
          reservationId: hold.id,
          storeId: hold.storeId,
          lines: hold.lines,
          expiresAt: hold.createdAt + PICKUP_WINDOW_MS,
        }),
        typedCode: typedCode ? formatTypedCode(typedCode) : undefined,
      };
    },
  };
}
