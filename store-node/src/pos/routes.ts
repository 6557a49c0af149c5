import { Router } from 'express';
import { z } from 'zod';
import { ForbiddenError, parseOrThrow, skuSchema } from '@storefleet/shared';
import type { Response } from 'express';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import { MAX_BASKET_COUPONS } from './basket-pricing.js';
import type { LaneCaller, PosService } from './pos-service.js';

/** A sale's id or its number (`S001-03-00123`, as typed or scanned): every route below takes either. */
const saleParam = z.object({ id: z.string().trim().min(1).max(64) }); // a mistyped number is refused in words by resolve()
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

/** Coupon codes as the hub signs them: printable `[A-Za-z0-9._-]`, at most 200 characters; five a basket. */
const couponCodesSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._-]+$/, 'a coupon code is letters, digits, dots, dashes and underscores'),
  )
  .max(MAX_BASKET_COUPONS);
const lineBody = z.strictObject({ code: z.string().trim().min(1).max(64), qty: qty.default(1) });
const lineParams = saleParam.extend({ sku: skuSchema });
const qtyBody = z.strictObject({ qty: z.number().int().min(0).max(999) });
const customerCardBody = z.strictObject({ card: z.string().trim().min(1).max(40) });
const couponsBody = z.strictObject({ codes: couponCodesSchema });
const returnBody = z.strictObject({ items: returnItems });
/** Who may call every route here: staff screens, and a screen marked as a POS lane (its own lane only). */
const posDoc = { audience: 'staff', screen: 'pos', tag: 'Point of sale' } as const;
const SALE = 'the sale as the lane shows it: lines, totals, promotions, coupons, tenders and its status';

/** The caller's lane, as the screen guard decided it (a POS screen's `sf_lane`, else the node's); only the back office reaches every lane. */
function laneOf(res: Response): LaneCaller {
  const caller = callerOf(res);
  if (caller.lane === undefined) throw new ForbiddenError('this screen is not a till');
  return { lane: caller.lane, anyLane: caller.role === 'lane' };
}

/**
 * `print` sends a receipt or slip to the lane's printer with its number as a Code 128 barcode, if a printer is
 * connected (false otherwise: the receipt is on screen).
 */
export function posRoutes(
  pos: PosService,
  printText: (receipt: string, barcode: string | null) => boolean = () => false,
): Router {
  const r = Router();
  // The printer centres the first line itself (the store's name): it goes without the padding that centres it on screen.
  const print = (text: string, barcode: string | null) => printText(text.replace(/^ +/, ''), barcode);
  const saleOf = (params: unknown) => pos.resolve(parseOrThrow(saleParam, params, 'sale id').id);
  /** Which lane this is and the basket the node kept open for it: the POS page asks on load (a reload keeps the basket). */
  r.get(
    '/pos/lane',
    storeApiDoc({
      ...posDoc,
      summary: 'This lane and the basket it left open',
      description: 'The POS page asks on load, so a reload keeps the basket.',
      responses: { 200: 'the lane’s number and its open sale, if any' },
    }),
    (_req, res) => {
      res.json(pos.lane(laneOf(res)));
    },
  );
  r.post(
    '/pos/sales',
    storeApiDoc({ ...posDoc, summary: 'Open a sale at this lane', responses: { 201: SALE } }),
    (_req, res) => {
      res.status(201).json(pos.open(laneOf(res)));
    },
  );
  r.get(
    '/pos/sales/:id',
    storeApiDoc({
      ...posDoc,
      summary: 'A sale by its id or number',
      description: 'The number as typed or scanned (`S001-03-00123`) or the id.',
      params: saleParam,
      responses: { 200: SALE },
    }),
    (req, res) => {
      res.json(pos.view(saleOf(req.params)));
    },
  );
  r.post(
    '/pos/sales/:id/lines',
    storeApiDoc({
      ...posDoc,
      summary: 'Add a scanned or typed product to an open sale',
      description: '`code` is a sku or a barcode (GTIN); `qty` defaults to 1.',
      params: saleParam,
      body: lineBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const id = saleOf(req.params);
      const body = parseOrThrow(lineBody, req.body, 'basket line');
      res.json(pos.add(id, body.code, body.qty, laneOf(res)));
    },
  );
  r.put(
    '/pos/sales/:id/lines/:sku',
    storeApiDoc({
      ...posDoc,
      summary: 'Set a line’s quantity in an open sale',
      description: 'Quantity 0 takes the line off.',
      params: lineParams,
      body: qtyBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const { id, sku } = parseOrThrow(lineParams, req.params, 'basket line');
      res.json(pos.setQty(pos.resolve(id), sku, parseOrThrow(qtyBody, req.body, 'quantity').qty, laneOf(res)));
    },
  );
  /**
   * The customer's loyalty card for the open basket (#21), scanned or typed: `{card}`, checked here offline (a wrong
   * check digit is a 422 that changes nothing). The answer shows it masked; DELETE takes it off.
   */
  r.put(
    '/pos/sales/:id/customer-card',
    storeApiDoc({
      ...posDoc,
      summary: 'Put the customer’s loyalty card on an open sale',
      description:
        'Scanned or typed, checked here offline: a wrong check digit is a 422 that changes nothing. The answer shows the card masked; members’ prices apply.',
      params: saleParam,
      body: customerCardBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const id = saleOf(req.params);
      const body = parseOrThrow(customerCardBody, req.body, 'customer card');
      res.json(pos.setCustomerCard(id, body.card, laneOf(res)));
    },
  );
  r.delete(
    '/pos/sales/:id/customer-card',
    storeApiDoc({
      ...posDoc,
      summary: 'Take the loyalty card off an open sale',
      params: saleParam,
      responses: { 200: SALE },
    }),
    (req, res) => {
      res.json(pos.removeCustomerCard(saleOf(req.params), laneOf(res)));
    },
  );
  /**
   * The coupons on the open basket (#25): `{codes}` (at most 5; `[]` takes them off), each verified offline at this
   * and every later view and at the tender. The answer is the basket priced with them; a refused code is listed in
   * `coupons` with its refusal and why, and takes nothing off.
   */
  r.put(
    '/pos/sales/:id/coupons',
    storeApiDoc({
      ...posDoc,
      summary: 'Set the coupons on an open sale',
      description:
        'At most 5; `[]` takes them off. Each is verified offline now, at every later view and at the tender; a refused code is listed in `coupons` with why and takes nothing off.',
      params: saleParam,
      body: couponsBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const id = saleOf(req.params);
      const body = parseOrThrow(couponsBody, req.body, 'coupons');
      res.json(pos.setCoupons(id, body.codes, laneOf(res)));
    },
  );
  r.post(
    '/pos/sales/:id/tender',
    storeApiDoc({
      ...posDoc,
      summary: 'Pay for an open sale (cash or card)',
      description:
        'Cash names what was given (`givenMinor`; less than the total is refused), the answer the change; a card goes to the lane’s terminal. The receipt goes to the lane’s printer if one is connected (`printed`).',
      params: saleParam,
      body: tender,
      responses: { 200: `${SALE}, with its receipt and whether it was printed` },
    }),
    async (req, res) => {
      const id = saleOf(req.params);
      const sale = await pos.tender(id, parseOrThrow(tender, req.body, 'tender'), laneOf(res));
      res.json({ ...sale, printed: sale.receipt ? print(sale.receipt, sale.number) : false });
    },
  );
  r.post(
    '/pos/sales/:id/void',
    storeApiDoc({
      ...posDoc,
      summary: 'Void an open sale',
      description:
        'A card payment still being authorised is cancelled at the terminal first; a paid sale is returned, not voided.',
      params: saleParam,
      responses: { 200: SALE },
    }),
    async (req, res) => {
      res.json(await pos.void(saleOf(req.params), laneOf(res)));
    },
  );
  /**
   * The answer's `refund` says how the money went back: `{kind: 'CARD', reference}` to the sale's card, or
   * `{kind: 'CASH'}`; `slip` is the return slip (sent to the printer too, `printed` says whether it went).
   */
  r.post(
    '/pos/sales/:id/returns',
    storeApiDoc({
      ...posDoc,
      summary: 'Return items of a paid sale',
      description:
        'Each sku once, with its whole quantity. `refund` says how the money went back (`{kind: CARD, reference}` to the sale’s card, or `{kind: CASH}`); `slip` is the return slip, sent to the printer too (`printed`).',
      params: saleParam,
      body: returnBody,
      responses: { 201: 'the return: its number, the refund, the slip and whether it was printed' },
    }),
    async (req, res) => {
      const id = saleOf(req.params);
      const body = parseOrThrow(returnBody, req.body, 'return');
      const answer = await pos.returnItems(id, body.items, laneOf(res));
      res.status(201).json({ ...answer, printed: print(answer.slip, answer.number) });
    },
  );
  return r;
}
