import type { Queryable } from '../../db/db.js';
import { definePort } from '../../kernel/ports.js';
import type { Reservation, ReservationStatus } from '../../kernel/ports/reservations.js';

// The hold and what others ask of it are a port between modules (kernel/ports/reservations.ts), as is what holds
// need of stock (kernel/ports/inventory.ts).
export {
  RESERVATION_STATUSES,
  type NewReservation,
  type Reservation,
  type ReservationLine,
  type ReservationStatus,
} from '../../kernel/ports/reservations.js';
export type { IncidentDesk, IncidentRef, StockHolds } from '../../kernel/ports/inventory.js';

/** How a hold ended without being handed over, as the flows that follow it need to know. */
export type HoldEnd =
  | { readonly how: 'EXPIRED' }
  | { readonly how: 'NO_SHOW'; readonly storeId: string }
  | { readonly how: 'CANCELLED_BY_REPAIR'; readonly notice: string };

/**
 * Typed hooks for the flows that follow a hold across modules (the hub wires `central/src/workflows/` to them as the
 * port `HOLD_HOOKS`; absent, nobody is told). Each is called inside the transaction that changes the
 * hold, with the hold's row locked, after the change: what a hook writes commits or rolls back with it. A throw rolls
 * the change back (a store's event is parked with the message, a sweep or a repair runs again shortly).
 */
export interface HoldHooks {
  /**
   * A store handed the hold over (its `reservation.picked-up` event, which may come long after an offline hand-over):
   * `at` is the store's clock at the hand-over, `endedBefore` the status the hub had ended the hold with before the
   * event arrived (RELEASED or EXPIRED), or null when it was still open.
   */
  handedOver(
    tx: Queryable,
    e: {
      readonly hold: Reservation;
      readonly storeId: string;
      readonly at: number;
      readonly endedBefore: ReservationStatus | null;
    },
  ): Promise<void>;
  /** The hold ended with no hand-over: its TTL or pickup window ran out, the store marked a no-show, or oversell repair cancelled it. */
  ended(tx: Queryable, hold: Reservation, end: HoldEnd): Promise<void>;
  /** Oversell repair moved the hold to another store (`hold` is as it is now, at `toStoreId`). */
  moved(
    tx: Queryable,
    e: {
      readonly hold: Reservation;
      readonly fromStoreId: string;
      readonly toStoreId: string;
      readonly distanceKm: number;
    },
  ): Promise<void>;
}

/** A port the workflows layer fills (it may import this module; other modules never ask for it). */
export const HOLD_HOOKS = definePort<HoldHooks>(
  'reservations.hold-hooks',
  'the flows told when a hold is handed over, ends or moves',
);
