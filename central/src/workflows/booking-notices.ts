import type { Queryable } from '../db/db.js';
import { type BookingHooks, type BookingNotice, clockIn, dayAndClockIn } from '../modules/booking/index.js';
import type { NotificationOutbox } from './notifications.js';

/** The kinds of customer notice the booking flows write (the outbox's `kind`). */
export const BOOKING_NOTICE_KINDS = {
  confirmed: 'BOOKING_CONFIRMED',
  cancelled: 'BOOKING_CANCELLED',
  waitlistOffered: 'BOOKING_WAITLIST_OFFER',
} as const;

/** `45.00 USD` as the customer reads it (`$45.00`). */
function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The booking module's hooks (BOOKING_HOOKS): each writes the customer's notice to the notifications outbox in the
 * transaction of the change (sent after it commits), as a sentence the customer reads — "Your 2 seats for 'Hamlet' on
 * Sat 5 Dec 19:30 are held for you until 19:42 — confirm to book them".
 */
export function bookingNotices(outbox: NotificationOutbox): BookingHooks {
  const enqueue = (tx: Queryable, b: BookingNotice, kind: string, message: string) =>
    outbox.enqueue(tx, { customerId: b.customerId, orderId: null, kind, message });
  return {
    async confirmed(tx, b) {
      const what = plural(b.tickets, 'ticket', 'tickets');
      await enqueue(
        tx,
        b,
        BOOKING_NOTICE_KINDS.confirmed,
        `Your ${what} for '${b.title}' on ${dayAndClockIn(b.timeZone, b.startsAt)} ${b.tickets === 1 ? 'is' : 'are'} booked — show ${b.tickets === 1 ? 'its code' : 'their codes'} at the door.`,
      );
    },
    async cancelled(tx, b) {
      const refund =
        b.refundMinor > 0
          ? `${money(b.refundMinor, b.currency)} is refunded to the card you paid with.`
          : b.paidMinor === 0
            ? 'It was free, so there is nothing to refund.'
            : 'It was cancelled after the refund cutoff, so nothing is refunded.';
      await enqueue(
        tx,
        b,
        BOOKING_NOTICE_KINDS.cancelled,
        `Your booking for '${b.title}' on ${dayAndClockIn(b.timeZone, b.startsAt)} is cancelled. ${refund}`,
      );
    },
    async waitlistOffered(tx, b) {
      const what = plural(b.places, b.seated ? 'seat' : 'place', b.seated ? 'seats' : 'places');
      await enqueue(
        tx,
        b,
        BOOKING_NOTICE_KINDS.waitlistOffered,
        `Good news from the waitlist: your ${what} for '${b.title}' on ${dayAndClockIn(b.timeZone, b.startsAt)} ${b.places === 1 ? 'is' : 'are'} held for you until ${clockIn(b.timeZone, b.expiresAt)} — confirm to book ${b.places === 1 ? 'it' : 'them'}.`,
      );
    },
  };
}
