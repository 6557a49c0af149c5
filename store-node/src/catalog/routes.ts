import { Router } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError, parseOrThrow, skuSchema } from '@storefleet/shared';
import type { ProductSearch } from './product-search.js';
import type { HubGet } from '../hub-link/hub-get.js';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';

export const NEARBY_OFFLINE = 'Stock at nearby stores needs a connection to head office — try again in a minute.';

const search = z.object({
  // Long text is not refused: the search uses its first words (a scanner that sends a paragraph still gets an answer).
  q: z.string().trim().max(10_240).optional(),
  category: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(24),
});
const featuredQuery = z.object({
  perCategory: z.coerce.number().int().min(1).max(24).default(6),
  categories: z.coerce.number().int().min(1).max(24).default(8),
});
const skuParam = z.object({ sku: skuSchema });
const TAG = 'Catalog';
const PRODUCT =
  'sku, gtin, name, brand, size, category, price, currency, tax class, on hand here and its low-stock mark';

/**
 * Product search and stock for the store's own pages (kiosk, POS look-up, handheld), from the store's copy of the
 * catalog, so it works offline; stock at nearby stores asks the hub and says so when it cannot.
 */
export function catalogRoutes(
  products: ProductSearch,
  storeId: string | null,
  hubGet: HubGet | undefined,
  now: () => number = Date.now,
): Router {
  const r = Router();
  r.get(
    '/catalog/featured',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'The kiosk home page’s products',
      description:
        'Head office’s featured products in stock here, this store’s best sellers of the last 30 days, then the day’s pick per category (the categories with the most in stock first); a product shows once. From the store’s copy: offline too.',
      query: featuredQuery,
      responses: { 200: `{ featured, bestSellers, categories: [{ category, items }] }: each product’s ${PRODUCT}` },
    }),
    (req, res) => {
      const q = parseOrThrow(featuredQuery, req.query, 'query');
      res.json(products.home(q.perCategory, q.categories, now()));
    },
  );
  r.get(
    '/catalog/products',
    storeApiDoc({
      audience: 'screens',
      screen: 'pos',
      tag: TAG,
      summary: 'Search the store’s products',
      description:
        'By words (`q`: name first, then brand, then category; long text uses its first words) and category, from the store’s copy: offline too.',
      query: search,
      responses: { 200: `{ items }: each product’s ${PRODUCT}` },
    }),
    (req, res) => {
      const q = parseOrThrow(search, req.query, 'query');
      res.json({ items: products.search(q.q || null, q.category || null, q.limit) });
    },
  );
  r.get(
    '/catalog/products/:sku',
    storeApiDoc({
      audience: 'screens',
      screen: 'pos',
      tag: TAG,
      summary: 'A product with its stock here',
      params: skuParam,
      responses: { 200: `the product’s ${PRODUCT}` },
    }),
    (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'sku');
      const p = products.get(sku);
      if (!p) throw new NotFoundError('product', sku);
      res.json(p);
    },
  );
  let here: { lat: number; lon: number } | undefined;
  r.get(
    '/catalog/products/:sku/nearby',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'Stock of a product at stores within 50 km',
      description:
        'Asks the hub: 503 in plain words while it cannot (a staff screen also gets why; a kiosk never sees the hub’s errors).',
      params: skuParam,
      responses: { 200: '{ items }: each nearby store with its stock of the product, this store left out' },
    }),
    async (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'sku');
      if (!hubGet || !storeId) throw new AppError('unavailable', NEARBY_OFFLINE);
      try {
        here ??= (await hubGet(`/api/locations/${storeId}`)) as { lat: number; lon: number };
        const { items } = (await hubGet(
          `/api/inventory/nearby?sku=${encodeURIComponent(sku)}&lat=${here.lat}&lon=${here.lon}&radiusKm=50&limit=10`,
        )) as { items: { storeId: string }[] };
        res.json({ items: items.filter((i) => i.storeId !== storeId) });
      } catch (err) {
        // The screen says it in plain words; a staff screen also gets why (a kiosk is a customer's: no hub errors).
        const why = callerOf(res).role === 'kiosk' ? {} : { reason: (err as Error).message };
        throw new AppError('unavailable', NEARBY_OFFLINE, why, { cause: err });
      }
    },
  );
  return r;
}
