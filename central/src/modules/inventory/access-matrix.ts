import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const STORE_A = 'deny  allow allow allow allow deny  deny';
const MANAGER_A = 'deny  allow allow deny  deny  deny  deny';

/** Who may call the inventory routes and read its console pages; see `central/src/kernel/access-matrix.ts` for the roles. */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                             anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/inventory/*', 'allow allow allow allow allow allow allow', 'console files hold no data'],
  [
    'GET',
    '/api/inventory/incidents',
    MANAGER_A,
    'with ?storeId= of store A for its manager; the whole fleet’s list is ADMIN only',
  ],
  ['GET', '/api/inventory/stores/:storeId/stock', STORE_A],
  ['GET', '/api/inventory/stores/:storeId/stock/:sku', STORE_A],
  ['GET', '/api/inventory/stores/:storeId/stock/:sku/movements', STORE_A],
  [
    'PUT',
    '/api/inventory/stores/:storeId/stock/:sku/safety',
    MANAGER_A,
    'safety stock is set by an ADMIN or the store’s manager',
  ],
  [
    'PUT',
    '/api/inventory/stores/:storeId/stock/:sku/lead-time',
    MANAGER_A,
    'lead times are set by an ADMIN or the store’s manager',
  ],
  [
    'GET',
    '/api/inventory/skus/:sku/stock',
    'deny  allow allow allow allow allow allow',
    'head office sees every location; anyone else only their own store’s row',
  ],
  ['GET', '/api/inventory/accuracy', STORE_A, 'with ?storeIds= of store A; other stores’ for an ADMIN'],
  ['GET', '/api/inventory/alerts', STORE_A, 'with ?storeId= of store A; the whole fleet’s list is ADMIN only'],
  [
    'GET',
    '/api/inventory/nearby',
    'deny  allow allow allow allow allow allow',
    'which stores near a point have stock: for every lane and kiosk',
  ],
]);
