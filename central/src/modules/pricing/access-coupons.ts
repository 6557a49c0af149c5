import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const ADMIN = 'deny  allow deny  deny  deny  deny  deny';
/** Head office, and store A's token and people for store A (the probe names store A). */
const STORE_A = 'deny  allow allow allow allow deny  deny';

/** Who may call routes-coupons.ts (see central/src/kernel/access-matrix.ts for the roles). */
export const couponsAccess: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/api/pricing/keys', ADMIN, 'the public halves of the signing keys (head office)'],
  ['POST', '/api/pricing/keys/rotate', ADMIN, 'a new signing key; the others retire after a grace'],
  ['POST', '/api/pricing/promotions/:id/coupons', ADMIN, 'issues a batch of signed single-use codes, shown once'],
  ['GET', '/api/pricing/promotions/:id/coupon-batches', ADMIN, 'a promotion’s batches (never their codes)'],
  [
    'POST',
    '/api/pricing/coupons/check',
    STORE_A,
    'hides existence: a coupon’s verdict online, head office for any store, a store’s token and people for store A’s (another store is a 404)',
  ],
  ['GET', '/api/pricing/coupons/doubles', ADMIN, 'coupons redeemed more than once, for head office'],
]);
