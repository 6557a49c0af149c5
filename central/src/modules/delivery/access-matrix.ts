import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';
import { trackingAccessLines } from './tracking/access-lines.js';

const ADMIN_ONLY = 'deny  allow deny  deny  deny  deny  deny';
const STORE_A = 'deny  allow allow allow allow deny  deny';

/**
 * Who may call the delivery routes; see `central/src/kernel/access-matrix.ts` for the roles. The fixture's carrier is
 * a gig driver around store A; its delivery leaves from store A.
 */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['POST', '/api/delivery/carriers', ADMIN_ONLY, 'answers the driver app’s token once (201)'],
  ['GET', '/api/delivery/carriers', ADMIN_ONLY, 'with each carrier’s last 30 days'],
  ['GET', '/api/delivery/carriers/:id', ADMIN_ONLY],
  ['PATCH', '/api/delivery/carriers/:id', ADMIN_ONLY, 'active, grounded (drones), shift, capacity…'],
  [
    'POST',
    '/api/delivery/carriers/:id/driver-token',
    ADMIN_ONLY,
    'a new driver token, answered once; the old one stops',
  ],
  [
    'GET',
    '/api/delivery/deliveries',
    STORE_A,
    'with ?storeId= of store A (a store’s people and node default to their own); every store’s is ADMIN only',
  ],
  [
    'GET',
    '/api/delivery/deliveries/:id',
    STORE_A,
    'hides existence: another store’s delivery is missing to it; a store sees the area, not the full address',
  ],
  ...trackingAccessLines,
]);
