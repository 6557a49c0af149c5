import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, quantitySchema, skuSchema, uuidSchema } from '@storefleet/shared';
import type { KioskCarts } from './kiosk-carts.js';

const customerParam = z.object({ customerId: uuidSchema });

/** The shared cart at this store's lanes and kiosks (works offline; syncs when the hub is reachable). */
export function kioskCartRoutes(carts: KioskCarts): Router {
  const r = Router();
  r.get('/carts/:customerId', (req, res) => {
    res.json(carts.view(parseOrThrow(customerParam, req.params, 'customer id').customerId));
  });
  r.post('/carts/:customerId/lines', (req, res) => {
    const { customerId } = parseOrThrow(customerParam, req.params, 'customer id');
    const body = parseOrThrow(
      z.strictObject({ code: z.string().trim().min(1).max(64), qty: quantitySchema.default(1) }),
      req.body,
      'cart line',
    );
    res.json(carts.add(customerId, body.code, body.qty));
  });
  r.put('/carts/:customerId/lines/:sku', (req, res) => {
    const { customerId, sku } = parseOrThrow(customerParam.extend({ sku: skuSchema }), req.params, 'cart line');
    const { qty } = parseOrThrow(z.strictObject({ qty: z.number().int().min(0).max(999) }), req.body, 'quantity');
    res.json(carts.setQty(customerId, sku, qty));
  });
  return r;
}
