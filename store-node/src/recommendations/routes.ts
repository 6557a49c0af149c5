import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { decimalCountParam, parseOrThrow, skuSchema } from '@storefleet/shared';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import type { StoreRecsService } from './store-recs-service.js';

/** The kiosk page's session token: random, drawn by the page for each customer at the screen. */
export const browsingSessionSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,64}$/, '16 to 64 letters, digits, dashes or underscores');

/** 1 to 50, as the hub's. */
const limitText = decimalCountParam(1, 50, 'products');

const recsQuery = z.object({
  sku: skuSchema.optional(),
  session: browsingSessionSchema.optional(),
  limit: limitText.default(6),
});
const viewBody = z.strictObject({ sku: skuSchema, session: browsingSessionSchema });

/**
 * The store's recommendations, from its own copy (offline too):
 *  - `GET /api/recommendations?sku=&session=&limit=`: what is bought with `sku`, then what is popular here, in stock
 *    here, re-ranked by the session's views (each item with its card's fields and a reason);
 *  - `POST /api/kiosk/views {sku, session}`: a kiosk showed a product; `{recorded}` says whether the hub will hear of
 *    it (once per session and product a minute, a screen's budget). Under /api/kiosk so the cart session's cookie
 *    comes with it: the view is the signed-in customer's (`customerOf`).
 */
export function recsRoutes(recs: StoreRecsService, customerOf: (req: Request, res: Response) => string | null): Router {
  const r = Router();
  r.get(
    '/recommendations',
    storeApiDoc({
      audience: 'screens',
      tag: 'Recommendations',
      summary: 'Products to suggest on the kiosk',
      description:
        'What is bought with `sku`, then what is popular here, in stock here, re-ranked by the session’s views; from the store’s copy, offline too.',
      query: recsQuery,
      responses: {
        200: '{ modelVersion, items }: the hub’s model the list came from (null before the first), each product’s card fields and why it is suggested',
      },
    }),
    (req, res) => {
      const q = parseOrThrow(recsQuery, req.query, 'query');
      res.setHeader('Cache-Control', 'no-store'); // a session's list changes with each view
      res.json(
        recs.recommend({ sku: q.sku ?? null, session: q.session ?? null, screen: callerOf(res).scope, limit: q.limit }),
      );
    },
  );
  r.post(
    '/kiosk/views',
    storeApiDoc({
      audience: 'screens',
      tag: 'Recommendations',
      summary: 'Tell the node the kiosk showed a product',
      description:
        'Remembered for the session; the hub hears of it at most once a minute per session and product (`recorded` says whether it will). Under /api/kiosk so the kiosk cart’s cookie comes with it: the view is the signed-in customer’s.',
      body: viewBody,
      responses: { 200: '{ recorded }' },
    }),
    (req, res) => {
      const body = parseOrThrow(viewBody, req.body, 'product view');
      res.json(recs.recordView({ screen: callerOf(res).scope, ...body, customerId: customerOf(req, res) }));
    },
  );
  return r;
}
