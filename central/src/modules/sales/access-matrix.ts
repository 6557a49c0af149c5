import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const STORE_A = 'deny  allow allow allow allow deny  deny';

/**
 * Who may read the sales ledger; see `central/src/kernel/access-matrix.ts` for the roles. A store's totals and sales are
 * its own and its people's (manager and associates); head office reads every store's. The fixture's sale is store A's.
 */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/sales/*', 'allow allow allow allow allow allow allow', 'console files hold no data'],
  [
    'GET',
    '/api/sales/overview',
    'deny  allow allow allow allow allow allow',
    'a store’s people and token see their own store only (store B sees store B); the fleet is ADMIN’s',
  ],
  ['GET', '/api/sales/daily', STORE_A, 'with ?store= of store A; the whole fleet’s days are ADMIN only'],
  ['GET', '/api/sales/:saleId', STORE_A, 'hides existence: another store’s sale reads as a missing one'],
]);
