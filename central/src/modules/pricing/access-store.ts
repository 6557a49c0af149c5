import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/** Who may call routes-store.ts (see central/src/kernel/access-matrix.ts for the roles). */
export const storeAccess: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  [
    'GET',
    '/api/pricing/store-rules',
    'deny  deny  deny  deny  allow allow deny',
    'a store’s own pricing rules changed after its revision (its books, region’s, chain’s; promotions; keys; used coupons)',
  ],
]);
