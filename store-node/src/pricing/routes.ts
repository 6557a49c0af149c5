import { NotFoundError, parseOrThrow, skuSchema, UnprocessableError } from '@storefleet/shared';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { StorePricing } from './pricing-service.js';
import { storeApiDoc } from '../api-doc.js';

/** Lines a priced basket holds at most (the hub's `POST /api/pricing/price` too). */
export const PRICE_LINES_MAX = 100;
/** Coupons one basket presents at most. */
export const COUPONS_MAX = 5;

const codeSchema = z.string().min(1).max(200);
const priceBodySchema = z.strictObject({
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: z.number().int().min(1).max(10_000) }))
    .min(1)
    .max(PRICE_LINES_MAX),
  member: z.boolean().optional(),
  coupons: z.array(codeSchema).max(COUPONS_MAX).optional(),
});

const skuParam = z.strictObject({ sku: skuSchema });
const couponBody = z.strictObject({ code: codeSchema });
const TAG = 'Pricing';

/**
 * `/api/pricing/*` on the store node, all from the store's own copy (offline too):
 * - `GET /pricing/status`: the copy's revision, last pull, counts, whether the hub answers;
 * - `POST /pricing/price {lines:[{sku or GTIN, qty}], member?, coupons?}`: a PricedBasket (unknown product: 404);
 * - `GET /pricing/skus/:sku` (sku or GTIN): the effective price here now, the member price, promotions naming it;
 * - `POST /pricing/coupons/check {code}`: the coupon's verdict.
 */
export function pricingRoutes(pricing: StorePricing): Router {
  const r = Router();
  const fresh = (res: Response) => res.setHeader('Cache-Control', 'no-store'); // the next pull or scan may change it

  r.get(
    '/pricing/status',
    storeApiDoc({
      audience: 'staff',
      screen: 'pos',
      tag: TAG,
      summary: 'How current the store’s copy of prices is',
      description: 'Every staff screen’s basics, the pickup desk’s too.',
      responses: {
        200: 'the copy’s revision, last pull, counts of books, promotions and keys, and whether the hub answers',
      },
    }),
    (_req, res) => {
      fresh(res);
      res.json(pricing.status());
    },
  );

  r.post(
    '/pricing/price',
    storeApiDoc({
      audience: 'screens',
      screen: 'pos',
      tag: TAG,
      summary: 'Price a basket from the store’s copy',
      description:
        'Each line a sku or a GTIN; `member` for members’ prices; `coupons` verified offline. Offline too. An unknown product is 404; a product whose tax class has no rate here is 422.',
      body: priceBodySchema,
      responses: { 200: 'the priced basket: lines, promotions applied, coupons and their verdicts, totals and tax' },
    }),
    (req: Request, res) => {
      const body = parseOrThrow(priceBodySchema, req.body, 'basket');
      const lines = body.lines.map((l) => {
        const p = pricing.product(l.sku);
        if (!p) throw new NotFoundError('product', l.sku);
        return pricing.line(p, l.qty);
      });
      const priced = engine(() =>
        pricing.price(lines, { member: body.member ?? false, ...(body.coupons ? { coupons: body.coupons } : {}) }),
      );
      fresh(res);
      res.json(priced);
    },
  );

  r.get(
    '/pricing/skus/:sku',
    storeApiDoc({
      audience: 'screens',
      screen: 'pos',
      tag: TAG,
      summary: 'A product’s price here now',
      description:
        'By sku or GTIN: the effective price, the member price and the promotions naming it; 404 unless the catalog holds it.',
      params: skuParam,
      responses: { 200: 'the price here now, the member price and the promotions naming the product' },
    }),
    (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'sku');
      const p = pricing.product(sku);
      if (!p) throw new NotFoundError('product', sku);
      const view = engine(() => pricing.skuPrice(p));
      fresh(res);
      res.json(view);
    },
  );

  r.post(
    '/pricing/coupons/check',
    storeApiDoc({
      audience: 'staff',
      screen: 'pos',
      tag: TAG,
      summary: 'Check a coupon',
      description:
        'The verdict offline, from the store’s keys and what the store knows was redeemed; nothing is redeemed.',
      body: couponBody,
      responses: { 200: 'the coupon’s verdict and why' },
    }),
    (req, res) => {
      const { code } = parseOrThrow(couponBody, req.body, 'coupon');
      fresh(res);
      res.json(pricing.checkCoupon(code));
    },
  );
  return r;
}

/** The engine refuses a basket it cannot price (a product whose tax class has no rate here): 422, not a crash. */
function engine<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof RangeError) throw new UnprocessableError(`this basket cannot be priced: ${err.message}`);
    throw err;
  }
}
