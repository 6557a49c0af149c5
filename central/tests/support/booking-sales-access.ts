import { randomUUID } from 'node:crypto';
import type { TestHub } from './test-hub.js';

/**
 * What the booking module's sales routes act on (confirm, bookings, tickets, cancel, admissions, show cancel,
 * waitlists), for the authorization matrix and the fuzz test, at store A's venue (`venueId`, from booking-access.ts):
 * - `confirmHoldId`: a HELD hold to confirm (a confirm of a confirmed hold answers its booking again: one target);
 * - `bookingId`: a confirmed booking to read and list the tickets of, `ticketCode` its first ticket (admissions);
 * - `cancelBookingId`: a confirmed booking to cancel (a cancelled one answers as before: one target);
 * - `spareShowId`: a show of store A to cancel (not the one the other routes use);
 * - `soldOutShowId`: a CAPACITY slot of store A whose one place is held, so joining its waitlist is allowed;
 * - `entryId`: a waitlist entry at it to leave.
 */
export async function bookingSalesAccessFixture(t: TestHub, venueId: string, adminCookie: string) {
  const admin = { cookie: adminCookie };
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: booking ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const startsAt = Date.now() + t.clock.offsetMs + 3 * 86_400_000;
  const show = (title: string, extra: Record<string, unknown> = { kind: 'SEATED' }) =>
    must(
      `show ${title}`,
      t.call('POST', '/api/booking/shows', { venueId, title, startsAt, endsAt: startsAt + 7_200_000, ...extra }, admin),
    );
  const sales = await show('Matrix sales night');
  const hold = (showId: string, body: Record<string, unknown>) =>
    must('hold', t.call('POST', `/api/booking/shows/${showId}/holds`, { customerId: randomUUID(), ...body }, admin));
  const confirmed = async (seat: string) => {
    const h = await hold(sales.id, { seats: [seat] });
    return must('confirm', t.call('POST', `/api/booking/holds/${h.id}/confirm`, {}, admin));
  };
  const confirmHold = await hold(sales.id, { seats: ['STALLS-B-1'] });
  const booking = await confirmed('STALLS-B-2');
  const cancelBooking = await confirmed('STALLS-B-3');
  const spare = await show('Matrix spare night');
  const soldOut = await show('Matrix workshop', { kind: 'CAPACITY', capacity: 1, priceMinor: 0 });
  await hold(soldOut.id, { places: 1 });
  const entry = await must(
    'waitlist entry',
    t.call('POST', `/api/booking/shows/${soldOut.id}/waitlist`, { customerId: randomUUID(), places: 1 }, admin),
  );
  return {
    confirmHoldId: confirmHold.id as string,
    bookingId: booking.booking.id as string,
    ticketCode: booking.tickets[0].code as string,
    cancelBookingId: cancelBooking.booking.id as string,
    spareShowId: spare.id as string,
    soldOutShowId: soldOut.id as string,
    entryId: entry.id as string,
  };
}
export type BookingSalesAccessFixture = Awaited<ReturnType<typeof bookingSalesAccessFixture>>;

/** The valid body of each sales write, for hub-access-probes.ts's `bodyFor` (spread into its table). */
export function bookingSalesBodies(fx: BookingSalesAccessFixture, role: string): Record<string, () => unknown> {
  return {
    'POST /api/booking/holds/:holdId/confirm': () => ({}),
    'POST /api/booking/bookings/:bookingId/cancel': () => ({ reason: `the matrix's ${role} cancels it` }),
    'POST /api/booking/admissions': () => ({ code: fx.ticketCode }),
    'POST /api/booking/shows/:showId/cancel': () => ({ reason: 'the matrix cancels the spare night' }),
    'POST /api/booking/shows/:showId/waitlist': () => ({ customerId: randomUUID(), places: 1 }),
    'DELETE /api/booking/waitlist/:entryId': () => undefined,
  };
}

/**
 * The concrete path of a sales row (`undefined` for another row): the probes call it before their generic
 * `:showId`/`:holdId` replacement.
 */
export function bookingSalesPath(fx: BookingSalesAccessFixture, path: string): string | undefined {
  switch (path) {
    case '/api/booking/holds/:holdId/confirm':
      return path.replace(':holdId', fx.confirmHoldId);
    case '/api/booking/bookings/:bookingId':
    case '/api/booking/bookings/:bookingId/tickets':
      return path.replace(':bookingId', fx.bookingId);
    case '/api/booking/bookings/:bookingId/cancel':
      return path.replace(':bookingId', fx.cancelBookingId);
    case '/api/booking/shows/:showId/cancel':
      return path.replace(':showId', fx.spareShowId);
    case '/api/booking/shows/:showId/waitlist':
      return path.replace(':showId', fx.soldOutShowId);
    case '/api/booking/waitlist/:entryId':
      return path.replace(':entryId', fx.entryId);
    default:
      return undefined;
  }
}
