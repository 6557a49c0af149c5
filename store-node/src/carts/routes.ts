import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, quantitySchema, skuSchema, uuidSchema } from '@storefleet/shared';
import type { KioskCarts } from './kiosk-carts.js';
import { storeApiDoc } from '../api-doc.js';

const customerParam = z.object({ customerId: uuidSchema });
const lineParams = customerParam.extend({ sku: skuSchema });
const lineBody = z.strictObject({ code: z.string().trim().min(1).max(64), qty: quantitySchema.default(1) });
const qtyBody = z.strictObject({ qty: z.number().int().min(0).max(999) });
const TAG = 'Carts';
const CART =
  'the cart: its lines with names and prices, fulfilment, and the lines priced here now (null when they cannot be)';

/** The shared cart at this store's lanes and kiosks (works offline; syncs when the hub is reachable). */
export function kioskCartRoutes(carts: KioskCarts): Router {
  const r = Router();
  r.get(
    '/carts/:customerId',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'A customer’s cart by their id',
      description:
        'The cart shared with the hub and every store (an Automerge document): works offline, syncs when the hub is reachable. A kiosk opens its customer’s cart by card, phone or e-mail instead (`/api/kiosk/cart`).',
      params: customerParam,
      responses: { 200: CART },
    }),
    (req, res) => {
      res.json(carts.view(parseOrThrow(customerParam, req.params, 'customer id').customerId));
    },
  );
  r.post(
    '/carts/:customerId/lines',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Add a product to a customer’s cart',
      description: '`code` is a sku or a barcode (GTIN); `qty` defaults to 1.',
      params: customerParam,
      body: lineBody,
      responses: { 200: CART },
    }),
    (req, res) => {
      const { customerId } = parseOrThrow(customerParam, req.params, 'customer id');
      const body = parseOrThrow(lineBody, req.body, 'cart line');
      res.json(carts.add(customerId, body.code, body.qty));
    },
  );
  r.put(
    '/carts/:customerId/lines/:sku',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Set a line’s quantity in a customer’s cart',
      description: 'Quantity 0 takes the line off.',
      params: lineParams,
      body: qtyBody,
      responses: { 200: CART },
    }),
    (req, res) => {
      const { customerId, sku } = parseOrThrow(lineParams, req.params, 'cart line');
      const { qty } = parseOrThrow(qtyBody, req.body, 'quantity');
      res.json(carts.setQty(customerId, sku, qty));
    },
  );
  return r;
}
