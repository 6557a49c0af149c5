import { hubAccessTable, type HubAccessRow } from '../../access-matrix.js';

// A customer may walk into any store: every store and signed-in channel may work on a cart (issue #13 keeps this).
const SIGNED_IN = 'deny  allow allow allow allow allow allow';

/** Who may call the cart routes; see `central/src/access-matrix.ts` for the roles. */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/api/carts/:customerId',                  SIGNED_IN],
  ['POST', '/api/carts/:customerId/lines',           SIGNED_IN],
  ['PUT', '/api/carts/:customerId/lines/:sku',       SIGNED_IN],
  ['DELETE', '/api/carts/:customerId/lines/:sku',    SIGNED_IN],
  ['PUT', '/api/carts/:customerId/fulfilment',       SIGNED_IN],
  ['WS', '/api/carts/:customerId/live',              SIGNED_IN, 'the cart’s live view, on the cart’s own terms'],
]);
