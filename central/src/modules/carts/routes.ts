import { Router } from 'express';
import { z } from 'zod';
import { FULFILMENT_TYPES, parseOrThrow, quantitySchema, skuSchema, uuidSchema } from '@storefleet/shared';
import { principalOf, requireAuth } from '../../kernel/access.js';
import type { CartService } from './cart-service.js';

const customerParam = z.object({ customerId: uuidSchema });
const lineParam = customerParam.extend({ sku: skuSchema });

/** The cart API for web and app backends, the console and stores; `/api/carts/{customerId}/live` is its WebSocket. */
export function cartRoutes(carts: CartService): Router {
  const r = Router();
  r.use('/carts', requireAuth);
  r.get('/carts/:customerId', async (req, res) => {
    res.json(
      await carts.pricedView(principalOf(req), parseOrThrow(customerParam, req.params, 'customer id').customerId),
    );
  });
  r.post('/carts/:customerId/lines', async (req, res) => {
    const { customerId } = parseOrThrow(customerParam, req.params, 'customer id');
    const body = parseOrThrow(
      z.strictObject({ sku: skuSchema, qty: quantitySchema.default(1) }),
      req.body,
      'cart line',
    );
    res.json(await carts.add(principalOf(req), customerId, body.sku, body.qty));
  });
  r.put('/carts/:customerId/lines/:sku', async (req, res) => {
    const { customerId, sku } = parseOrThrow(lineParam, req.params, 'cart line');
    const { qty } = parseOrThrow(z.strictObject({ qty: z.number().int().min(0).max(999) }), req.body, 'quantity');
    res.json(await carts.setQty(principalOf(req), customerId, sku, qty));
  });
  r.delete('/carts/:customerId/lines/:sku', async (req, res) => {
    const { customerId, sku } = parseOrThrow(lineParam, req.params, 'cart line');
    res.json(await carts.setQty(principalOf(req), customerId, sku, 0));
  });
  r.put('/carts/:customerId/fulfilment', async (req, res) => {
    const { customerId } = parseOrThrow(customerParam, req.params, 'customer id');
    const f = parseOrThrow(
      z.strictObject({ type: z.enum(FULFILMENT_TYPES), storeId: uuidSchema.nullable().default(null) }),
      req.body,
      'fulfilment',
    );
    res.json(await carts.setFulfilment(principalOf(req), customerId, f));
  });
  return r;
}
