import type { Queryable } from '../../db/db.js';
import { definePort } from '../../kernel/ports.js';

/** A booking or an offer as the hub's flows hear of it. */
export interface BookingNotice {
  readonly bookingId: string;
  readonly showId: string;
  readonly title: string;
  readonly startsAt: number;
  readonly customerId: string;
  readonly storeId: string | null;
  /** The venue's time zone (IANA), for the days and clocks the customer reads. */
  readonly timeZone: string;
  /** Seats (a seated show) or places (a slot of places). */
  readonly seated: boolean;
}

/**
 * What the booking module tells the hub's cross-module flows (`central/src/workflows/booking-notices.ts` provides it:
 * the customer hears by e-mail/SMS through the hub's notice sender). Each is called inside the transaction that makes
 * the change; what a hook writes commits or rolls back with it; nothing external is called inside.
 */
export interface BookingHooks {
  /** Confirmed and paid: the customer gets their tickets. */
  confirmed(tx: Queryable, b: BookingNotice & { readonly tickets: number }): Promise<void>;
  /** Cancelled (by them, the store, or with the show): what is refunded. */
  cancelled(
    tx: Queryable,
    b: BookingNotice & {
      readonly refundMinor: number;
      readonly currency: string;
      /** What was paid for it (0: a free booking, nothing to refund). */
      readonly paidMinor: number;
    },
  ): Promise<void>;
  /** Seats freed for a waitlisted customer: held for them until `expiresAt`. */
  waitlistOffered(
    tx: Queryable,
    b: BookingNotice & { readonly expiresAt: number; readonly places: number },
  ): Promise<void>;
}

/** A port the workflows layer fills (it may import this module; other modules never ask for it). */
export const BOOKING_HOOKS = definePort<BookingHooks>(
  'booking.hooks',
  'the flows told when a booking is confirmed or cancelled, or a waitlisted customer is offered seats',
);
