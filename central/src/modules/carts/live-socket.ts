import { cartDocId, cartView, isUuid, ValidationError, type CartDoc } from '@storefleet/shared';
import type { WebSocket } from 'ws';
import type { SocketHandler } from '../../kernel/module-sockets.js';
import type { Principal } from '../../kernel/principal.js';
import type { HubDocs } from '../../kernel/module-contract.js';
import type { CartService } from './cart-service.js';

/**
 * `/api/carts/{customerId}/live`: the customer's open devices get the cart view now and after every change, from any
 * device (web, app, a store's kiosk syncing its copy). One JSON message per change: `{ type: 'cart', cart }`. Open to
 * whoever may read the cart through the API (`CartService.readable`); anyone else gets the API's answer to the upgrade
 * (404 `customer {id} not found`), for a customer of another store exactly as for one that does not exist, and no
 * socket opens.
 */
export function cartLiveSocket(carts: CartService, docs: HubDocs): SocketHandler {
  const open = (ws: WebSocket, principal: Principal, url: URL) => {
    const customerId = /^\/api\/carts\/([^/]+)\/live$/.exec(url.pathname)?.[1];
    if (!customerId || !isUuid(customerId)) return ws.close(1008, 'expected /api/carts/{customerId}/live');
    const docId = cartDocId(customerId);
    const send = (doc: CartDoc) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'cart', customerId, cart: cartView(doc) }));
    };
    carts.readable(principal, customerId).then(
      (doc) => {
        send(doc);
        const unsubscribe = docs.subscribe<CartDoc>(docId, send);
        ws.on('close', unsubscribe);
      },
      (err: Error) => ws.close(1008, err.message.slice(0, 120)),
    );
  };
  return Object.assign(open, {
    // Refused at the upgrade, before any socket exists: 404 for a cart the caller may not read, as the API answers.
    authorize: async (principal: Principal, url: URL) => {
      const customerId = /^\/api\/carts\/([^/]+)\/live$/.exec(url.pathname)?.[1];
      if (!customerId || !isUuid(customerId)) throw new ValidationError('expected /api/carts/{customerId}/live');
      await carts.readable(principal, customerId);
    },
  });
}
