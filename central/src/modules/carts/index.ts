import { CART_GENESIS, cartDocProblems, cartView, isUuid, type CartDoc } from '@storefleet/shared';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { CartService } from './cart-service.js';
import { cartLiveSocket } from './live-socket.js';
import { cartRoutes } from './routes.js';
import { cartsGraphql } from './graphql.js';
import { StoreCartLinks } from './store-links.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { INVENTORY_AVAILABILITY } from '../../kernel/ports/inventory.js';
import { PRICING } from '../../kernel/ports/pricing.js';
import { RECS_INTERACTIONS } from '../../kernel/ports/recommendations.js';
import { cartAddRecorder } from './cart-adds.js';
import { cartMerge } from './cart-merge.js';
import { provide } from '../../kernel/ports.js';
import { CART_MERGE } from '../../kernel/ports/carts.js';

const links = new WeakMap<HubContext, StoreCartLinks>();
const unhooks = new WeakMap<HubContext, (() => void)[]>();

/** One memory of linked (store, customer) pairs per hub. */
function linksOf(ctx: HubContext): StoreCartLinks {
  let l = links.get(ctx);
  if (!l) {
    l = new StoreCartLinks(() => ctx.services.get(CUSTOMER_DIRECTORY), ctx.log);
    links.set(ctx, l);
  }
  return l;
}

const serviceOf = (ctx: HubContext) =>
  new CartService(
    ctx.docs,
    ctx.services.get(CATALOG_PRODUCTS),
    ctx.services.get(INVENTORY_AVAILABILITY),
    ctx.services.get(CUSTOMER_DIRECTORY),
    linksOf(ctx),
    ctx.now,
    cartAddRecorder({ sink: () => ctx.services.find(RECS_INTERACTIONS), db: ctx.db, now: ctx.now, log: ctx.log }),
    () => ctx.services.find(PRICING),
    ctx.log,
  );

/**
 * One cart per customer across web, app and store lanes: an Automerge document (`cart:<customerId>`, merge rules in
 * shared/src/cart.ts) edited through this API and by stores at the edge, live over a WebSocket.
 */
export const hubModule: HubModule = {
  name: 'carts',
  needs: [CATALOG_PRODUCTS, INVENTORY_AVAILABILITY, CUSTOMER_DIRECTORY],
  // Optional: lines added through this API are cart adds recommendations learn from; without them none is recorded.
  // Pricing too (issue #25): the cart's `priced` view; without it `priced` is null.
  uses: [RECS_INTERACTIONS, PRICING],
  // Signed-in channels (the web/app backend's service account, console users) and every store (a customer may walk
  // into any of them) may edit a customer's cart, named by the customer's id. The id is what the customer shows at a
  // lane or kiosk (their customer card or app): it is not guessable (UUIDv7, 62 random bits) and a store cannot list
  // ids (no customer search for stores, other stores' orders are missing to it), so knowing it stands for the
  // customer's consent. A store that changes the cart is linked to the customer (`start`), as the customer policy
  // says; a store reads only a cart it has changed or fulfils: through the API and the live socket (`readable`), and
  // through its sync (the `cart` read gate, set in `start`: an unlinked store is sent nothing of the cart until it
  // changes it). Every replica starts from CART_GENESIS, so a store's first line lands in the hub's `lines` map.
  // What a cart may hold is `cartDocSchema` (shared/src/cart.ts): the hub refuses any change, from a store's sync or
  // this API, that would break it (a NUL in a name, a price that is not whole minor units, a 101st line…).
  docAccess: {
    cart: {
      // A signed-in customer (issue #26) writes their own cart only; staff and stores any customer's, as above.
      access: (p, key) =>
        isUuid(key) && (p.kind === 'store' || p.kind === 'user' || (p.kind === 'customer' && p.customerId === key))
          ? 'write'
          : 'none',
      validate: cartDocProblems,
      genesis: CART_GENESIS,
    },
  },
  // A guest's cart folded into the account's at sign-in (issue #26; the accounts module asks).
  provides: (ctx) => [provide(CART_MERGE, cartMerge(ctx.docs))],
  routes: (ctx) => cartRoutes(serviceOf(ctx)),
  graphql: (ctx) => cartsGraphql(serviceOf(ctx), ctx.docs),
  sockets: (ctx) => ({ '/api/carts/': cartLiveSocket(serviceOf(ctx), ctx.docs) }),
  start(ctx) {
    // Every change a store makes to a cart (a kiosk's sync frame carrying changes, the API) links it to the customer;
    // reads (a sync frame with nothing new, the API, the live socket) link nothing.
    const l = linksOf(ctx);
    unhooks.set(ctx, [
      ctx.docs.access.onGranted(
        'cart',
        (principal, customerId, used) =>
          used === 'write' && principal.kind !== 'customer' && l.changedInBackground(principal, customerId),
      ),
      ctx.docs.access.gateReads(
        'cart',
        (principal, customerId, doc) =>
          principal.kind === 'customer'
            ? principal.customerId === customerId
            : l.mayRead(principal, customerId, cartView(doc as CartDoc).fulfilment.storeId),
        'not linked to this customer; a change links it',
      ),
    ]);
  },
  stop(ctx) {
    for (const unhook of unhooks.get(ctx) ?? []) unhook();
  },
};
