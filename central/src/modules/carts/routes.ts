import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, FULFILMENT_TYPES, parseOrThrow, quantitySchema, skuSchema, uuidSchema } from '@storefleet/shared';
import { principalOf, requireAuth } from '../../kernel/access.js';
import { cartAnswer, pricedCartAnswer } from './cart-answers.js';
import type { CartService } from './cart-service.js';

export const customerParam = z.object({ customerId: uuidSchema });
const lineParam = customerParam.extend({ sku: skuSchema });
/** A line to add (REST's body, GraphQL's `addToCart` arguments). */
export const cartLineBody = z.strictObject({ sku: skuSchema, qty: quantitySchema.default(1) });
/** A line's new quantity; 0 removes it. */
export const quantityBody = z.strictObject({ qty: z.number().int().min(0).max(999) });
export const fulfilmentBody = z.strictObject({
  type: z.enum(FULFILMENT_TYPES),
  storeId: uuidSchema.nullable().default(null),
});

const CART = 'the cart: its lines, item count, subtotal and fulfilment';
const WHO =
  'Staff and stores any customer’s cart (a store reads one it has changed or fulfils; to it others are missing, 404); ' +
  'a store that changes a cart is linked to the customer.';
const AVAILABLE = 'out of stock for the cart’s fulfilment, or past the cart’s bounds';

/** The cart API for web and app backends, the console and stores; `/api/carts/{customerId}/live` is its WebSocket. */
export function cartRoutes(carts: CartService): Router {
  const r = Router();
  r.use('/carts', requireAuth);
  r.get(
    '/carts/:customerId',
    apiDoc({
      summary: 'Read a customer’s cart, priced',
      description: `${WHO} \`priced\` is the basket as pricing prices it at the fulfilment store (null without a pricing module).`,
      params: customerParam,
      responses: {
        200: { description: `${CART}, and \`priced\``, schema: pricedCartAnswer },
        404: 'no such customer, or not a cart this store may read',
      },
      access: ['staff'],
    }),
    async (req, res) => {
      res.json(
        await carts.pricedView(principalOf(req), parseOrThrow(customerParam, req.params, 'customer id').customerId),
      );
    },
  );
  r.post(
    '/carts/:customerId/lines',
    apiDoc({
      summary: 'Add a line to a customer’s cart (or raise its quantity)',
      description: `${WHO} The product must exist and be available for the cart’s fulfilment.`,
      params: customerParam,
      body: cartLineBody,
      responses: { 200: { description: CART, schema: cartAnswer }, 404: 'no such customer or product', 409: AVAILABLE },
      access: ['staff'],
    }),
    async (req, res) => {
      const { customerId } = parseOrThrow(customerParam, req.params, 'customer id');
      const body = parseOrThrow(cartLineBody, req.body, 'cart line');
      res.json(await carts.add(principalOf(req), customerId, body.sku, body.qty));
    },
  );
  r.put(
    '/carts/:customerId/lines/:sku',
    apiDoc({
      summary: 'Set a cart line’s quantity (0 removes it)',
      description: WHO,
      params: lineParam,
      body: quantityBody,
      responses: { 200: { description: CART, schema: cartAnswer }, 404: 'no such line in the cart', 409: AVAILABLE },
      access: ['staff'],
    }),
    async (req, res) => {
      const { customerId, sku } = parseOrThrow(lineParam, req.params, 'cart line');
      const { qty } = parseOrThrow(quantityBody, req.body, 'quantity');
      res.json(await carts.setQty(principalOf(req), customerId, sku, qty));
    },
  );
  r.delete(
    '/carts/:customerId/lines/:sku',
    apiDoc({
      summary: 'Remove a line from a customer’s cart',
      description: WHO,
      params: lineParam,
      responses: { 200: { description: CART, schema: cartAnswer }, 404: 'no such line in the cart' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { customerId, sku } = parseOrThrow(lineParam, req.params, 'cart line');
      res.json(await carts.setQty(principalOf(req), customerId, sku, 0));
    },
  );
  r.put(
    '/carts/:customerId/fulfilment',
    apiDoc({
      summary: 'Choose how the cart will be fulfilled (ship, or pickup, curbside or delivery at a store)',
      description: `${WHO} Every line must be available that way; SHIP takes no storeId, the others need one.`,
      params: customerParam,
      body: fulfilmentBody,
      responses: { 200: { description: CART, schema: cartAnswer }, 409: 'a line is not available that way' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { customerId } = parseOrThrow(customerParam, req.params, 'customer id');
      const f = parseOrThrow(fulfilmentBody, req.body, 'fulfilment');
      res.json(await carts.setFulfilment(principalOf(req), customerId, f));
    },
  );
  return r;
}
