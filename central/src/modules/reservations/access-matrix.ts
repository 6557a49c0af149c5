import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const STORE_A = 'deny  allow allow allow allow deny  deny';

/**
 * Who may call the reservation routes and read its console page; see `central/src/kernel/access-matrix.ts` for the roles.
 * The fixture's reservation is a hold at store A; the probe for placing one asks for a hold at store A.
 */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/reservations/*', 'allow allow allow allow allow allow allow', 'console files hold no data'],
  [
    'GET',
    '/api/reservations/pickup-key',
    'deny  allow allow allow allow allow allow',
    'the public key every store verifies pickup codes with',
  ],
  ['POST', '/api/reservations', STORE_A],
  [
    'GET',
    '/api/reservations/:id',
    STORE_A,
    'hides existence: another store (and anyone signed out) gets what a missing id gets',
  ],
  ['POST', '/api/reservations/:id/confirm', STORE_A, 'hides existence: as for reading it'],
  ['POST', '/api/reservations/:id/release', STORE_A, 'hides existence: as for reading it'],
  ['GET', '/api/stores/:storeId/reservations', STORE_A],
]);
