import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, skuSchema, ValidationError } from '@storefleet/shared';
import type { StoreSync } from '../sync/store-sync.js';
import type { StockLedger } from './stock-ledger.js';
import type { ReorderSuggestions } from './reorder-suggestions.js';
import { ProductCodes } from './product-codes.js';
import { storeApiDoc } from '../api-doc.js';

// `sku` is what the associate scanned or typed: a sku or a barcode (GTIN), resolved against the store's catalog.
const movement = z.strictObject({
  sku: skuSchema,
  delta: z
    .number()
    .int()
    .min(-100_000)
    .max(100_000)
    .refine((d) => d !== 0, 'must not be 0'),
  kind: z.enum(['RECEIVE', 'TRANSFER_IN', 'TRANSFER_OUT', 'ADJUSTMENT']),
  ref: z.string().max(100).optional(),
});

const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const skuParam = z.object({ sku: skuSchema });
const countBody = z.strictObject({ sku: skuSchema, counted: z.number().int().min(0).max(1_000_000) });
const thresholdBody = z.strictObject({ lowStockAt: z.number().int().min(0).max(1_000_000) });
const TAG = 'Stock';
const CODES =
  'A sku or a scanned barcode (GTIN), answered with the catalog’s sku; a code the catalog does not hold is refused (404 in the path, 422 in a body), never stocked.';

/**
 * Receiving, transfers and counts from handhelds; sales, returns and pickups move stock through their own flows. Every
 * route takes a sku or a scanned barcode and answers with the catalog's sku; a code the catalog does not hold is
 * refused (404 in the path, 422 in a body), never stocked.
 */
export function stockRoutes(
  stock: StockLedger,
  suggestions: ReorderSuggestions,
  sync: StoreSync,
  now: () => number,
): Router {
  const r = Router();
  const codes = new ProductCodes(stock.db);
  r.get(
    '/stock/low',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Products at or below their low-stock mark',
      query: limitQuery,
      responses: { 200: '{ items }: each { sku, onHand, lowStockAt }, the furthest below first' },
    }),
    (req, res) => {
      const { limit } = parseOrThrow(limitQuery, req.query, 'query');
      res.json({ items: stock.lowStock(limit) });
    },
  );
  r.get(
    '/stock/reorder-suggestions',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'What to reorder, and how much',
      query: limitQuery,
      responses: { 200: '{ items }: each product with on hand, reorder point, suggested quantity and sales a day' },
    }),
    (req, res) => {
      const { limit } = parseOrThrow(limitQuery, req.query, 'query');
      res.json({ items: suggestions.list(limit) });
    },
  );
  r.get(
    '/stock/:sku',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'What is on hand of a product',
      description: CODES,
      params: skuParam,
      responses: { 200: '{ sku, name, onHand }' },
    }),
    (req, res) => {
      const { sku, name } = codes.get(parseOrThrow(skuParam, req.params, 'sku').sku, 'not-found');
      res.json({ sku, name, onHand: stock.onHand(sku) });
    },
  );
  r.post(
    '/stock/movements',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Record received, transferred or adjusted stock',
      description: `Receiving and transfers in add, transfers out take away (the other way is 400); an adjustment either way. Sales, returns and pickups move stock through their own routes. ${CODES}`,
      body: movement,
      responses: { 201: '{ sku, name, onHand }' },
    }),
    (req, res) => {
      const m = parseOrThrow(movement, req.body, 'stock movement');
      const wrongWay =
        (['RECEIVE', 'TRANSFER_IN'].includes(m.kind) && m.delta < 0) || (m.kind === 'TRANSFER_OUT' && m.delta > 0);
      if (wrongWay) throw new ValidationError(`a ${m.kind} cannot move stock by ${m.delta}`);
      const { sku, name } = codes.get(m.sku, 'unprocessable');
      sync.write((emit) => stock.move(emit, sku, m.delta, m.kind, now(), m.ref));
      res.status(201).json({ sku, name, onHand: stock.onHand(sku) });
    },
  );
  // A cycle count: the counted quantity replaces what the node believed, as one adjustment (read and written in one
  // transaction, so a sale rung up meanwhile is not overwritten).
  r.post(
    '/stock/counts',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Record a cycle count',
      description: `The counted quantity replaces what the node believed, as one adjustment read and written in one transaction (a sale rung up meanwhile is not overwritten). ${CODES}`,
      body: countBody,
      responses: { 201: '{ sku, name, counted, adjustedBy, onHand }' },
    }),
    (req, res) => {
      const count = parseOrThrow(countBody, req.body, 'count');
      const { sku, name } = codes.get(count.sku, 'unprocessable');
      const counted = count.counted;
      let delta = 0;
      sync.write((emit) => {
        delta = counted - stock.onHand(sku);
        if (delta !== 0) stock.move(emit, sku, delta, 'ADJUSTMENT', now(), 'cycle count');
      });
      res.status(201).json({ sku, name, counted, adjustedBy: delta, onHand: stock.onHand(sku) });
    },
  );
  r.put(
    '/stock/:sku/low-stock-at',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Set a product’s low-stock mark',
      description: CODES,
      params: skuParam,
      body: thresholdBody,
      responses: { 200: '{ sku, onHand, lowStockAt }' },
    }),
    (req, res) => {
      const { sku } = codes.get(parseOrThrow(skuParam, req.params, 'sku').sku, 'not-found');
      const { lowStockAt } = parseOrThrow(thresholdBody, req.body, 'threshold');
      stock.setThreshold(sku, lowStockAt, now());
      res.json({ sku, onHand: stock.onHand(sku), lowStockAt });
    },
  );
  return r;
}
