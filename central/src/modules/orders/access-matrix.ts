import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const OWNERS = 'deny  allow allow allow allow deny  deny';

/**
 * Who may call the order routes and read its console page; see `central/src/kernel/access-matrix.ts` for the roles. An
 * order belongs to its customer and to the store that fulfils it (and, for a SHIP order a store placed, to that
 * store): the fixture's order is a pickup at store A. A store places orders only for fulfilment at itself or SHIP:
 * the probe places a pickup at store A, so store B is refused exactly as `POST /api/reservations` refuses it.
 */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/orders/*', 'allow allow allow allow allow allow allow', 'console files hold no data'],
  ['POST', '/api/orders', OWNERS, 'a pickup at store A: store B may not place it'],
  ['GET', '/api/orders', 'deny  allow deny  deny  deny  deny  deny', 'every order: head office only'],
  ['GET', '/api/orders/:id', OWNERS, 'hides existence: another store gets what a missing id gets'],
  [
    'GET',
    '/api/orders/by-number/:number',
    OWNERS,
    'hides existence: by the number people type (SF-10482); another store gets what a missing number gets',
  ],
  [
    'GET',
    '/api/customers/:id/orders',
    'deny  allow allow allow allow allow allow',
    'a store lists only its own orders of the customer (none, for store B)',
  ],
  ['GET', '/api/stores/:storeId/orders', OWNERS, 'store A’s orders (placed or fulfilled there): its people and node'],
  ['POST', '/api/orders/:id/cancel', OWNERS, 'hides existence: as for reading it'],
  ['POST', '/api/orders/:id/check-in', OWNERS, 'hides existence: as for reading it'],
]);
