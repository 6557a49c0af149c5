import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow, reviewStoreProductSchema, skuSchema } from '@storefleet/shared';
import type { StoreReviewsRepository } from './store-reviews-repository.js';
import { storeApiDoc } from '../api-doc.js';

const skuParam = z.strictObject({ sku: skuSchema });

/**
 * `GET /api/reviews/:sku`: the product's rating summary and top reviews from the store's own copy (offline too), as
 * the hub sent them; 404 when the store holds none for it.
 */
export function reviewsRoutes(repo: StoreReviewsRepository): Router {
  const r = Router();
  r.get(
    '/reviews/:sku',
    storeApiDoc({
      audience: 'screens',
      tag: 'Reviews',
      summary: 'A product’s rating and top reviews',
      description:
        'From the store’s copy of the hub’s feed, offline too; 404 when the store holds none for the product.',
      params: skuParam,
      responses: {
        200: {
          description:
            'the rating summary and the top reviews, as the hub sent them (checked with this schema as they arrive)',
          schema: reviewStoreProductSchema,
        },
      },
    }),
    (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'sku');
      const p = repo.get(sku);
      if (!p) throw new NotFoundError('reviews of product', sku);
      res.setHeader('Cache-Control', 'no-store'); // the next feed entry may change it
      res.json(p);
    },
  );
  return r;
}
