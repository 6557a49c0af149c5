import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

// A customer may walk into any store: every store and signed-in channel may work on a cart (issue #13 keeps this).
const SIGNED_IN = 'deny  allow allow allow allow allow allow';
// Reading one is head office's, the cart's fulfilment store's (the fixture's cart is a pickup at store A) and that of
// a store that has changed it (the probes' writes go to another cart, so store B never becomes one here).
const READERS = 'deny  allow allow allow allow deny  deny';

/** Who may call the cart routes; see `central/src/kernel/access-matrix.ts` for the roles. */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/api/carts/:customerId', READERS, 'hides existence: to another store the customer is missing (404)'],
  ['POST', '/api/carts/:customerId/lines', SIGNED_IN],
  ['PUT', '/api/carts/:customerId/lines/:sku', SIGNED_IN],
  ['DELETE', '/api/carts/:customerId/lines/:sku', SIGNED_IN],
  ['PUT', '/api/carts/:customerId/fulfilment', SIGNED_IN],
  [
    'WS',
    '/api/carts/:customerId/live',
    READERS,
    'the cart’s live view, to whoever may read it: another store’s upgrade is answered 404',
  ],
]);
