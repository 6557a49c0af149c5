import type { AccessLine } from '@storefleet/shared';

const SIGNED_IN = 'deny  allow allow allow allow allow allow';
const STORE_A = 'deny  allow allow allow allow deny  deny';
const MANAGER_A = 'deny  allow allow deny  deny  deny  deny';

/**
 * The sales lines of the booking module's authorization matrix (lane B: confirm, cancel, tickets, waitlists, the
 * ticket key, admissions); `access-matrix.ts` spreads them in. Columns: anon admin mgrA asocA tokA tokB asocB. The
 * fixture (central/tests/support/booking-sales-access.ts) gives store A's show, a hold to confirm, a booking to cancel,
 * a booking to read with its ticket, a sold-out slot to wait for and an entry to leave.
 */
export const salesAccessLines: readonly AccessLine[] = [
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  [
    'POST',
    '/api/booking/holds/:holdId/confirm',
    STORE_A,
    'hides existence: the caller that placed it, head office or the show’s store; a confirmed one answers its booking again',
  ],
  ['GET', '/api/booking/ticket-key', SIGNED_IN, 'the public key store doors verify tickets with'],
  ['GET', '/api/booking/bookings/:bookingId', STORE_A, 'hides existence: who placed it, head office, the show’s store'],
  [
    'GET',
    '/api/booking/bookings/:bookingId/tickets',
    STORE_A,
    'hides existence: a confirmed booking’s signed tickets, for who placed it, head office or the show’s store',
  ],
  [
    'POST',
    '/api/booking/bookings/:bookingId/cancel',
    STORE_A,
    'hides existence: refund by the rules; a cancelled booking answers as before',
  ],
  [
    'POST',
    '/api/booking/admissions',
    STORE_A,
    'a ticket of store A’s show, let in once (201; later callers 409 with the time); another store’s door is refused',
  ],
  [
    'POST',
    '/api/booking/shows/:showId/cancel',
    MANAGER_A,
    'the fixture’s spare show; head office, or the manager of the show’s store (shows are public: no hiding)',
  ],
  [
    'POST',
    '/api/booking/shows/:showId/waitlist',
    STORE_A,
    'hides existence: store A’s sold-out slot (201; later callers 409, the customer already waits); another store’s show is missing',
  ],
  [
    'GET',
    '/api/booking/shows/:showId/waitlist',
    STORE_A,
    'hides existence: head office and the show’s store (the console); at a head-office show, a caller sees the entries it put there',
  ],
  [
    'DELETE',
    '/api/booking/waitlist/:entryId',
    STORE_A,
    'hides existence: who joined, head office or the show’s store (200; later callers 409, it has left)',
  ],
];
