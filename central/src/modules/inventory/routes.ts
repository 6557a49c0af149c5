import { Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  ForbiddenError,
  latSchema,
  lonSchema,
  parseOrThrow,
  quantitySchema,
  skuSchema,
  uuidSchema,
} from '@storefleet/shared';
import { nearbyStoresAnswer, stockLevelAnswer } from './stock-answers.js';
import { assertStoreAccess, isHeadOffice, principalOf, requireAuth, storeOf } from '../../kernel/access.js';
import type { InventoryService } from './service.js';
import { incidents } from './incidents.js';
import { listAlerts } from './replenishment.js';
import type { Db } from '../../db/db.js';
import { StockOverviewRepository } from './stock-overview.js';
import { NEARBY_MAX_KM } from './repository.js';
import { RFID_COUNTS_KEPT_DAYS, RfidCountsRepository } from './rfid-counts.js';

const stockParams = z.object({ storeId: uuidSchema, sku: skuSchema });
const nearbyQuery = z.object({
  sku: skuSchema,
  lat: z.coerce.number().pipe(latSchema),
  lon: z.coerce.number().pipe(lonSchema),
  radiusKm: z.coerce.number().positive().max(NEARBY_MAX_KM).default(25),
  qty: z.coerce.number().pipe(quantitySchema).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const incidentsQuery = z.object({
  status: z.enum(['OPEN', 'REPAIRED']).optional(),
  storeId: uuidSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const storeParam = z.object({ storeId: uuidSchema });
const levelsQuery = z.object({
  sku: z.string().trim().max(64).optional(),
  after: skuSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const movementsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const safetyBody = z.strictObject({ safety: z.number().int().min(0).max(1_000_000) });
const alertsQuery = z.object({
  storeId: uuidSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
const leadTimeBody = z.strictObject({ leadTimeDays: z.number().int().min(0).max(365) });
const skuParam = z.object({ sku: skuSchema });
const acrossStoresQuery = z.object({
  after: z.string().max(32).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
const accuracyQuery = z.object({
  storeIds: z
    .string()
    .max(200 * 37)
    .transform((s) => [...new Set(s.split(','))])
    .pipe(z.array(uuidSchema).min(1).max(200)),
  days: z.coerce.number().int().min(1).max(RFID_COUNTS_KEPT_DAYS).default(7),
});

export function inventoryRoutes(inventory: InventoryService, db: Db): Router {
  const r = Router();
  r.get(
    '/inventory/incidents',
    apiDoc({
      summary: 'List oversell incidents',
      description:
        'A store’s manager names their store (`storeId`); the whole fleet’s list (no `storeId`) is for an ADMIN.',
      query: incidentsQuery,
      responses: { 200: 'the incidents, newest first, with product names: `{ items }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const q = parseOrThrow(incidentsQuery, req.query, 'query');
      // A store's manager sees their own store's incidents; the whole fleet's list is for admins.
      const p = principalOf(req);
      if (q.storeId) {
        if (assertStoreAccess(req, q.storeId).kind !== 'user' || (p.kind === 'user' && p.role === 'ASSOCIATE'))
          throw new ForbiddenError('oversell incidents are for an ADMIN or the store’s manager');
      } else if (p.kind !== 'user' || p.role !== 'ADMIN')
        throw new ForbiddenError('name a storeId, or sign in as an ADMIN for the whole fleet');
      res.json({ items: await inventory.withProductNames(await incidents.list(db, q.status, q.limit, q.storeId)) });
    },
  );
  r.get(
    '/inventory/stores/:storeId/stock',
    apiDoc({
      summary: 'List a store’s stock levels',
      description: 'The store’s own people and token, or head office. Paged by sku (`after`).',
      params: storeParam,
      query: levelsQuery,
      responses: { 200: 'stock levels with product names: `{ items }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId } = parseOrThrow(storeParam, req.params, 'store id');
      assertStoreAccess(req, storeId);
      const q = parseOrThrow(levelsQuery, req.query, 'query');
      res.json({
        items: await inventory.withProductNames(
          await inventory.levels(storeId, q.sku || null, q.after ?? null, q.limit),
        ),
      });
    },
  );
  r.get(
    '/inventory/stores/:storeId/stock/:sku',
    apiDoc({
      summary: 'Read one sku’s stock level at a store',
      description: 'The store’s own people and token, or head office.',
      params: stockParams,
      responses: {
        200: {
          description: 'on hand, reserved, safety stock and available, with the product’s name',
          schema: stockLevelAnswer,
        },
      },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId, sku } = parseOrThrow(stockParams, req.params, 'stock key');
      assertStoreAccess(req, storeId);
      const [level] = await inventory.withProductNames([await inventory.level(storeId, sku)]);
      res.json(level);
    },
  );
  r.get(
    '/inventory/stores/:storeId/stock/:sku/movements',
    apiDoc({
      summary: 'List one sku’s stock movements at a store',
      description: 'The store’s own people and token, or head office. Newest first.',
      params: stockParams,
      query: movementsQuery,
      responses: { 200: 'the movements: `{ items }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId, sku } = parseOrThrow(stockParams, req.params, 'stock key');
      assertStoreAccess(req, storeId);
      const { limit } = parseOrThrow(movementsQuery, req.query, 'query');
      res.json({ items: await inventory.movements(storeId, sku, limit) });
    },
  );
  r.put(
    '/inventory/stores/:storeId/stock/:sku/safety',
    apiDoc({
      summary: 'Set one sku’s safety stock at a store',
      description: 'An ADMIN or the store’s manager (not an associate, not the store’s token).',
      params: stockParams,
      body: safetyBody,
      responses: { 200: 'the stock level as changed' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId, sku } = parseOrThrow(stockParams, req.params, 'stock key');
      const p = assertStoreAccess(req, storeId);
      if (p.kind !== 'user' || p.role === 'ASSOCIATE')
        throw new ForbiddenError('safety stock is set by an ADMIN or the store manager');
      const { safety } = parseOrThrow(safetyBody, req.body, 'safety stock');
      res.json(await inventory.setSafety(storeId, sku, safety));
    },
  );
  r.get(
    '/inventory/alerts',
    apiDoc({
      summary: 'List replenishment alerts',
      description: 'A store’s people and token name their store (`storeId`); the whole fleet’s list is for an ADMIN.',
      query: alertsQuery,
      responses: { 200: 'skus running low, most recently changed first, with product names: `{ items }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const q = parseOrThrow(alertsQuery, req.query, 'query');
      // A store (or its staff) sees its own alerts; the whole fleet's list is for admins.
      const p = principalOf(req);
      if (q.storeId) assertStoreAccess(req, q.storeId);
      else if (p.kind !== 'user' || p.role !== 'ADMIN')
        throw new ForbiddenError('name a storeId, or sign in as an ADMIN for the whole fleet');
      res.json({ items: await inventory.withProductNames(await listAlerts(db, q.storeId ?? null, q.limit)) });
    },
  );
  r.put(
    '/inventory/stores/:storeId/stock/:sku/lead-time',
    apiDoc({
      summary: 'Set one sku’s replenishment lead time at a store',
      description: 'An ADMIN or the store’s manager (not an associate, not the store’s token).',
      params: stockParams,
      body: leadTimeBody,
      responses: { 200: 'the stock level as changed' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId, sku } = parseOrThrow(stockParams, req.params, 'stock key');
      const p = assertStoreAccess(req, storeId);
      if (p.kind !== 'user' || p.role === 'ASSOCIATE')
        throw new ForbiddenError('lead times are set by an ADMIN or the store manager');
      const { leadTimeDays } = parseOrThrow(leadTimeBody, req.body, 'lead time');
      res.json(await inventory.setLeadTime(storeId, sku, leadTimeDays));
    },
  );
  // The console's product page: a sku's stock at every location (head office), or at the caller's own store.
  r.get(
    '/inventory/skus/:sku/stock',
    apiDoc({
      summary: 'A sku’s stock at every location (the console’s product page)',
      description: 'Head office sees every location; a store’s people and token only their own store’s row.',
      params: skuParam,
      query: acrossStoresQuery,
      responses: { 200: 'a page of locations with their stock of the sku' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'sku');
      const q = parseOrThrow(acrossStoresQuery, req.query, 'query');
      const p = principalOf(req);
      const scope = isHeadOffice(p) ? null : storeOf(p);
      if (!isHeadOffice(p) && !scope) throw new ForbiddenError('stock across stores is for head office or a store');
      res.json(await new StockOverviewRepository(db).acrossStores(sku, scope, q.after ?? null, q.limit));
    },
  );
  // The fleet page's "inventory accuracy > 99 %": per store, skus its RFID counts matched ÷ skus counted (StoreAccuracy).
  r.get(
    '/inventory/accuracy',
    apiDoc({
      summary: 'Inventory accuracy per store from its RFID counts',
      description:
        'Per store: skus its RFID counts matched ÷ skus counted, over the last `days` whole UTC days (today included). ' +
        '`storeIds` is comma-separated; each must be the caller’s own store unless head office asks.',
      query: accuracyQuery,
      responses: { 200: 'per store its accuracy: `{ days, items }`' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const q = parseOrThrow(accuracyQuery, req.query, 'query');
      for (const id of q.storeIds) assertStoreAccess(req, id);
      // The last `days` whole UTC days, today included (days=7: today and the 6 before), never a day more.
      const since = inventory.now() - (q.days - 1) * 86_400_000;
      res.json({ days: q.days, items: await new RfidCountsRepository(db).accuracy(q.storeIds, since) });
    },
  );
  r.get(
    '/inventory/nearby',
    apiDoc({
      summary: 'Which stores near a point have a sku in stock',
      description: 'For every lane and kiosk: stores within `radiusKm` with at least `qty` available.',
      query: nearbyQuery,
      responses: {
        200: { description: 'the stores with their distance and stock: `{ items }`', schema: nearbyStoresAnswer },
      },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const q = parseOrThrow(nearbyQuery, req.query, 'query');
      res.json({ items: await inventory.nearby(q.sku, q.lat, q.lon, q.radiusKm, q.qty, q.limit) });
    },
  );
  return r;
}
