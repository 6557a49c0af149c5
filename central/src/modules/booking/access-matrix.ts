import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';
import { liveAccessLines } from './live/access-lines.js';
import { salesAccessLines } from './sales-access.js';

/**
 * Who may call the booking routes; see `central/src/kernel/access-matrix.ts` for the roles. Venues, shows, seat maps
 * and holds here (lane A); the sales lines (sales-access.ts) and the live map's (live/access-lines.ts) spread in.
 */
const PUBLIC = 'allow allow allow allow allow allow allow';
const MANAGER_A = 'deny  allow allow deny  deny  deny  deny';
const STORE_A = 'deny  allow allow allow allow deny  deny';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/booking/*', PUBLIC, 'console files hold no data'],
  ['POST', '/api/booking/venues', MANAGER_A, 'the fixture’s venue is store A’s; a head-office venue is ADMIN only'],
  ['GET', '/api/booking/venues', PUBLIC, 'seat maps and prices are advertised; ?storeId= filters'],
  ['GET', '/api/booking/venues/:venueId', PUBLIC, 'with its sections and prices'],
  ['POST', '/api/booking/shows', MANAGER_A, 'at store A’s venue; a head-office venue’s shows are ADMIN only'],
  ['GET', '/api/booking/shows', PUBLIC, 'events are advertised: titles, times, seats or places left; no holds'],
  ['GET', '/api/booking/shows/:showId', PUBLIC, 'with seats or places left'],
  ['GET', '/api/booking/shows/:showId/seats', PUBLIC, 'the seat map: one character per seat, no holds or customers'],
  [
    'POST',
    '/api/booking/shows/:showId/holds',
    STORE_A,
    'hides existence: another store’s show is missing to it; a head-office show takes any signed-in caller (201)',
  ],
  [
    'GET',
    '/api/booking/shows/:showId/holds',
    STORE_A,
    'hides existence: head office and the show’s store (the console); another store’s show is missing to it',
  ],
  [
    'GET',
    '/api/booking/holds/:holdId',
    STORE_A,
    'hides existence: the caller that placed it, head office, or the show’s store',
  ],
  [
    'DELETE',
    '/api/booking/holds/:holdId',
    STORE_A,
    'hides existence: releases a HELD hold (each caller its own target); a booking is cancelled through the sales routes',
  ],
  ...salesAccessLines,
  ...liveAccessLines,
]);
