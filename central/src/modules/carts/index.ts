import type { HubModule } from '../hub-module.js';
import { CartService } from './cart-service.js';
import { cartLiveSocket } from './live-socket.js';
import { cartRoutes } from './routes.js';
import type { Availability, CatalogProducts, CustomerDirectory } from './types.js';

const serviceOf = (ctx: Parameters<NonNullable<HubModule['routes']>>[0]) =>
  new CartService(
    ctx.docs,
    ctx.services.get<CatalogProducts>('catalog.products'),
    ctx.services.get<Availability>('inventory.availability'),
    ctx.services.get<CustomerDirectory>('customers.directory'),
    ctx.now,
  );

/**
 * One cart per customer across web, app and store lanes: an Automerge document (`cart:<customerId>`, merge rules in
 * shared/src/cart.ts) edited through this API and by stores at the edge, live over a WebSocket.
 */
export const hubModule: HubModule = {
  name: 'carts',
  // Signed-in channels (the web/app backend's service account, console users) and every store (a customer may walk
  // into any of them) may edit a cart.
  docAccess: { cart: (p) => (p.kind === 'store' || p.kind === 'user' ? 'write' : 'none') },
  routes: (ctx) => cartRoutes(serviceOf(ctx)),
  sockets: (ctx) => ({ '/api/carts/': cartLiveSocket(ctx.docs) }),
};
