import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const ADMIN_ONLY = 'deny  allow deny  deny  deny  deny  deny';
const MANAGER_A = 'deny  allow allow deny  deny  deny  deny';

/** Who may call the staff module's routes (issue #27); see `central/src/kernel/access-matrix.ts` for the roles. */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/staff/*', 'allow allow allow allow allow allow allow', 'console files hold no data'],
  [
    'POST',
    '/api/staff/people/:userId/pin',
    MANAGER_A,
    'hides existence: another store’s person is 404, as a missing one; a new PIN the hub draws for store A’s spare ASSOCIATE: an ADMIN or their manager; another associate 403, stores 403',
  ],
  [
    'DELETE',
    '/api/staff/people/:userId/pin',
    MANAGER_A,
    'hides existence: as a new one; a PIN already removed is 204 too, so every allowed caller gets a 2xx',
  ],
  [
    'GET',
    '/api/staff/people',
    MANAGER_A,
    'with ?storeId= of store A: the roster of a store for an ADMIN or its manager',
  ],
  ['GET', '/api/staff/audit', MANAGER_A, 'the lanes’ audit: every store for an ADMIN, a manager their own store'],
  ['GET', '/api/staff/admin-actions', ADMIN_ONLY, 'writes people made through the hub'],
]);
