import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, skuSchema, ValidationError } from '@storefleet/shared';
import type { StoreSync } from '../sync/store-sync.js';
import type { StockLedger } from './stock-ledger.js';
import type { ReorderSuggestions } from './reorder-suggestions.js';
import { ProductCodes } from './product-codes.js';

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
  r.get('/stock/low', (req, res) => {
    const { limit } = parseOrThrow(
      z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      req.query,
      'query',
    );
    res.json({ items: stock.lowStock(limit) });
  });
  r.get('/stock/reorder-suggestions', (req, res) => {
    const { limit } = parseOrThrow(
      z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      req.query,
      'query',
    );
    res.json({ items: suggestions.list(limit) });
  });
  r.get('/stock/:sku', (req, res) => {
    const { sku, name } = codes.get(parseOrThrow(z.object({ sku: skuSchema }), req.params, 'sku').sku, 'not-found');
    res.json({ sku, name, onHand: stock.onHand(sku) });
  });
  r.post('/stock/movements', (req, res) => {
    const m = parseOrThrow(movement, req.body, 'stock movement');
    const wrongWay =
      (['RECEIVE', 'TRANSFER_IN'].includes(m.kind) && m.delta < 0) || (m.kind === 'TRANSFER_OUT' && m.delta > 0);
    if (wrongWay) throw new ValidationError(`a ${m.kind} cannot move stock by ${m.delta}`);
    const { sku, name } = codes.get(m.sku, 'unprocessable');
    sync.write((emit) => stock.move(emit, sku, m.delta, m.kind, now(), m.ref));
    res.status(201).json({ sku, name, onHand: stock.onHand(sku) });
  });
  // A cycle count: the counted quantity replaces what the node believed, as one adjustment (read and written in one
  // transaction, so a sale rung up meanwhile is not overwritten).
  r.post('/stock/counts', (req, res) => {
    const count = parseOrThrow(
      z.strictObject({ sku: skuSchema, counted: z.number().int().min(0).max(1_000_000) }),
      req.body,
      'count',
    );
    const { sku, name } = codes.get(count.sku, 'unprocessable');
    const counted = count.counted;
    let delta = 0;
    sync.write((emit) => {
      delta = counted - stock.onHand(sku);
      if (delta !== 0) stock.move(emit, sku, delta, 'ADJUSTMENT', now(), 'cycle count');
    });
    res.status(201).json({ sku, name, counted, adjustedBy: delta, onHand: stock.onHand(sku) });
  });
  r.put('/stock/:sku/low-stock-at', (req, res) => {
    const { sku } = codes.get(parseOrThrow(z.object({ sku: skuSchema }), req.params, 'sku').sku, 'not-found');
    const { lowStockAt } = parseOrThrow(
      z.strictObject({ lowStockAt: z.number().int().min(0).max(1_000_000) }),
      req.body,
      'threshold',
    );
    stock.setThreshold(sku, lowStockAt, now());
    res.json({ sku, onHand: stock.onHand(sku), lowStockAt });
  });
  return r;
}
