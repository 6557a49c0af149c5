import { cartDocId, cartView, isUuid, type CartDoc } from '@storefleet/shared';
import type { WebSocket } from 'ws';
import type { SocketHandler } from '../../http/module-sockets.js';
import type { HubDocs } from '../../sync/docs/hub-docs.js';
import type { CartService } from './cart-service.js';

/**
 * `/api/carts/{customerId}/live`: the customer's open devices get the cart view now and after every change, from any
 * device (web, app, a store's kiosk syncing its copy). One JSON message per change: `{ type: 'cart', cart }`. Open to
 * whoever may read the cart through the API (`CartService.readable`); anyone else is closed with the reason the API
 * gives (`customer {id} not found`), for a customer of another store exactly as for one that does not exist.
 */
export function cartLiveSocket(carts: CartService, docs: HubDocs): SocketHandler {
  return (ws: WebSocket, principal, url) => {
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
}
