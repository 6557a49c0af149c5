import { Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  featuredRankSchema,
  isValidGtin,
  minorUnitsSchema,
  parseOrThrow,
  skuSchema,
  toGtin14,
} from '@storefleet/shared';
import { requireAuth, requireRole } from '../../kernel/access.js';
import { categoriesAnswer, productAnswer, productPageAnswer } from './catalog-answers.js';
import type { CatalogService } from './service.js';
import { TAX_CLASSES } from './types.js';

const productBody = z.strictObject({
  gtin: z
    .string()
    .refine(isValidGtin, 'must be a GTIN-8/12/13/14 with a valid check digit')
    .transform(toGtin14)
    .nullable()
    .default(null),
  name: z.string().trim().min(1).max(300),
  brand: z.string().trim().max(200).nullable().default(null),
  size: z.string().trim().max(100).nullable().default(null),
  category: z.string().trim().min(1).max(100),
  priceMinor: minorUnitsSchema,
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('USD'),
  taxClass: z.enum(TAX_CLASSES).default('STANDARD'),
  /** Featured on the kiosk home page, 1 first within its category; null (the default): not featured. */
  featuredRank: featuredRankSchema.nullable().default(null),
});
const importBody = z.strictObject({
  items: z
    .array(productBody.extend({ sku: skuSchema }))
    .min(1)
    .max(5000),
});
const listQuery = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  category: z.string().max(100).optional(),
  after: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const skuParam = z.object({ sku: skuSchema });

export function catalogRoutes(catalog: CatalogService): Router {
  const r = Router();
  r.get(
    '/catalog/products',
    apiDoc({
      summary: 'List the catalog’s products',
      description:
        'By sku, a page at a time: `next` is the last sku of a full page (pass it as `after`), null on the last. ' +
        '`q` matches part of a name or brand, a barcode as printed, or an exact sku; `category` narrows to one.',
      query: listQuery,
      responses: { 200: { description: 'a page of products: `{ items, next }`', schema: productPageAnswer } },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const items = await catalog.list(q);
      res.json({ items, next: items.length === q.limit ? items.at(-1)?.sku : null });
    },
  );
  r.get(
    '/catalog/categories',
    apiDoc({
      summary: 'List the catalog’s categories',
      responses: { 200: { description: 'the categories with products: `{ items }`', schema: categoriesAnswer } },
      access: ['staff'],
    }),
    requireAuth,
    async (_req, res) => {
      res.json({ items: await catalog.categories() });
    },
  );
  r.get(
    '/catalog/products/:sku',
    apiDoc({
      summary: 'Read a product',
      params: skuParam,
      responses: { 200: { description: 'the product', schema: productAnswer }, 404: 'no product has that sku' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      res.json(await catalog.get(parseOrThrow(skuParam, req.params, 'sku').sku));
    },
  );
  r.put(
    '/catalog/products/:sku',
    apiDoc({
      summary: 'Create or replace a product',
      description: 'Head office owns the catalog. The change reaches every store through its feed.',
      params: skuParam,
      body: productBody,
      responses: {
        200: { description: 'the product as stored', schema: productAnswer },
        409: 'the GTIN already belongs to another sku',
      },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'sku');
      await catalog.upsert([{ sku, ...parseOrThrow(productBody, req.body, 'product') }]);
      res.json(await catalog.get(sku));
    },
  );
  r.post(
    '/catalog/products/import',
    apiDoc({
      summary: 'Create or replace up to 5,000 products at once',
      description:
        'Head office owns the catalog. All or none: one bad item refuses the whole import (400), a GTIN given to two ' +
        'skus refuses it too (409).',
      body: importBody,
      responses: { 200: 'how many products were written: `{ upserted }`', 409: 'a GTIN given to two skus' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      res.json(await catalog.upsert(parseOrThrow(importBody, req.body, 'catalog import').items));
    },
  );
  return r;
}
