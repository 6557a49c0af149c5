import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/**
 * Who may call routes-scan-go.ts (see central/src/kernel/access-matrix.ts for the roles). The app backend is head
 * office's service account acting for the signed-in customer: it alone opens, scans, pays and cancels. A store's
 * people and node read their own store's sessions (another store's: 404, no exit token); the exits the doors
 * reported are head office's and the store manager's (own store).
 */
const APP = 'deny  allow deny  deny  deny  deny  deny';
const STORE_A = 'deny  allow allow allow allow deny  deny';
const MANAGER_A = 'deny  allow allow deny  deny  deny  deny';

export const scanGoAccess: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['POST', '/api/scan-go/sessions', APP, 'opens the customer’s session at a store (or answers their open one)'],
  [
    'GET',
    '/api/scan-go/sessions/:id',
    STORE_A,
    'hides existence: another store’s session is a 404; the exit token to head office only',
  ],
  ['POST', '/api/scan-go/sessions/:id/scans', APP, 'a barcode or sku into the customer’s cart'],
  ['PUT', '/api/scan-go/sessions/:id/lines/:sku', APP, 'set or remove a line'],
  ['POST', '/api/scan-go/sessions/:id/checkout', APP, 'charges through PAYMENTS and answers the exit token (unkept)'],
  ['POST', '/api/scan-go/sessions/:id/cancel', APP],
  ['GET', '/api/scan-go/exits', MANAGER_A, 'a manager sees their own store’s exits only'],
]);
