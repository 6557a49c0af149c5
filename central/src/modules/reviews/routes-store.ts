import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, ForbiddenError, parseOrThrow, REVIEWS_FEED_PRODUCTS } from '@storefleet/shared';
import { isHeadOffice, principalOf } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { ReviewsParts } from './index.js';

const pullQuery = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'after is a revision: 0 for everything, else the revision the last page gave')
    .default('0')
    .transform(Number),
  limit: z.coerce.number().int().min(1).max(REVIEWS_FEED_PRODUCTS).default(200),
});

/**
 * The stores' pull (see access-matrix.ts): `GET /api/reviews/store-products?after=<revision>&limit=` — the products
 * whose row in the stores' copy changed after `after`, in revision order, tombstones (`count: 0`) included;
 * `revision` is what the page brings the caller to, `more` whether to ask again after it. A store's own credential
 * (after a `reviews.changed` notice, at start, after reconnecting) or head office; people at a store get 403.
 */
export function storeRoutes(parts: ReviewsParts, ctx: HubContext): Router {
  const r = Router();
  r.get(
    '/reviews/store-products',
    apiDoc({
      summary: 'Pull the stores’ copy of reviews',
      description:
        'Products’ summaries and top reviews changed after a revision (`after=0` for everything); every store pulls with its own credential, head office too. Not cached.',
      query: pullQuery,
      responses: { 200: 'a page of products and the revision to ask `after` next' },
      access: ['store', 'admin'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      if (p.kind !== 'store' && !isHeadOffice(p))
        throw new ForbiddenError("the stores' copy of reviews is pulled by a store's own credential or head office");
      const q = parseOrThrow(pullQuery, req.query, 'query');
      res.setHeader('Cache-Control', 'no-store');
      res.json(await parts.storeFeed.page(ctx.db, q.after, q.limit));
    },
  );
  return r;
}
