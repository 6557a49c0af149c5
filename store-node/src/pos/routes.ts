import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, skuSchema } from '@storefleet/shared';
import type { PosService } from './pos-service.js';

const saleParam = z.object({ id: z.string().min(8).max(64) });
const qty = z.number().int().min(1).max(999);
const returnItems = z
  .array(z.strictObject({ sku: skuSchema, qty }))
  .min(1)
  .max(100)
  .refine(
    (items) => new Set(items.map((i) => i.sku)).size === items.length,
    'name each sku once, with its whole quantity',
  );
const tender = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('CASH'), givenMinor: z.number().int().min(0).max(100_000_00) }),
  z.strictObject({ kind: z.literal('CARD') }),
]);

/** `print` sends a receipt to the lane's printer, if one is connected (false otherwise: the receipt is on screen). */
export function posRoutes(pos: PosService, print: (receipt: string) => boolean = () => false): Router {
  const r = Router();
  r.post('/pos/sales', (_req, res) => {
    res.status(201).json(pos.open());
  });
  r.get('/pos/sales/:id', (req, res) => {
    res.json(pos.view(parseOrThrow(saleParam, req.params, 'sale id').id));
  });
  r.post('/pos/sales/:id/lines', (req, res) => {
    const { id } = parseOrThrow(saleParam, req.params, 'sale id');
    const body = parseOrThrow(
      z.strictObject({ code: z.string().trim().min(1).max(64), qty: qty.default(1) }),
      req.body,
      'basket line',
    );
    res.json(pos.add(id, body.code, body.qty));
  });
  r.put('/pos/sales/:id/lines/:sku', (req, res) => {
    const { id, sku } = parseOrThrow(saleParam.extend({ sku: skuSchema }), req.params, 'basket line');
    res.json(
      pos.setQty(
        id,
        sku,
        parseOrThrow(z.strictObject({ qty: z.number().int().min(0).max(999) }), req.body, 'quantity').qty,
      ),
    );
  });
  r.post('/pos/sales/:id/tender', async (req, res) => {
    const { id } = parseOrThrow(saleParam, req.params, 'sale id');
    const sale = await pos.tender(id, parseOrThrow(tender, req.body, 'tender'));
    res.json({ ...sale, printed: sale.receipt ? print(sale.receipt) : false });
  });
  r.post('/pos/sales/:id/void', async (req, res) => {
    res.json(await pos.void(parseOrThrow(saleParam, req.params, 'sale id').id));
  });
  /** The answer's `refund` says how the money went back: `{kind: 'CARD', reference}` to the sale's card, or `{kind: 'CASH'}`. */
  r.post('/pos/sales/:id/returns', async (req, res) => {
    const { id } = parseOrThrow(saleParam, req.params, 'sale id');
    const body = parseOrThrow(z.strictObject({ items: returnItems }), req.body, 'return');
    res.status(201).json(await pos.returnItems(id, body.items));
  });
  return r;
}
