import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, ForbiddenError, NotFoundError, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { assertStoreAccess, isHeadOffice, principalOf, storeOf } from '../../kernel/access.js';
import { isCalendarDay } from './sales-rules.js';
import type { SalesService } from './service.js';
import { SalesOverviewRepository } from './overview.js';
import type { Queryable } from '../../db/db.js';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine(isCalendarDay, 'not a date on the calendar');
const cursor = z
  .string()
  .regex(/^(\d{4}-\d{2}-\d{2})_([0-9a-fA-F-]{36})_([A-Z]{3})$/, 'the `next` of the previous page')
  .transform((s) => {
    const [d, storeId, currency] = s.split('_') as [string, string, string];
    return { day: d, storeId, currency };
  })
  .refine((c) => isCalendarDay(c.day) && uuidSchema.safeParse(c.storeId).success, 'the `next` of the previous page');
const dailyQuery = z.object({
  store: uuidSchema.optional(),
  from: day.optional(),
  to: day.optional(),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
  after: cursor.optional(),
});
const overviewQuery = z.object({
  store: uuidSchema.optional(),
  days: z.coerce.number().int().min(1).max(90).default(30),
  after: z.string().max(32).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const saleParams = z.object({ saleId: z.string().min(1).max(64) });
const saleQuery = z.object({ store: uuidSchema.optional() });

/**
 * Reads of the sales ledger: a store's days (or the fleet's, for head office), and a sale id with its returns, by
 * store (`SaleLookup`: head office sees every store that used the id; a store's callers see their store's only).
 */
export function salesRoutes(sales: SalesService, db?: Queryable): Router {
  const r = Router();
  // The console's overview: each store's today (its own zone) and last days, the fleet's sums. A store's people see
  // their store only, named or not.
  if (db)
    r.get(
      '/sales/overview',
      apiDoc({
        summary: 'Each store’s sales today and over the last days, and the fleet’s sums (the console’s overview)',
        description:
          'A store’s people and token see their own store only, named or not; the whole fleet is an ADMIN’s. Paged ' +
          'by store (`after`).',
        query: overviewQuery,
        responses: { 200: 'per store its today (in its own time zone) and its days, with the fleet’s sums' },
        access: ['staff'],
      }),
      async (req, res) => {
        const p = principalOf(req);
        const q = parseOrThrow(overviewQuery, req.query, 'query');
        if (q.store) assertStoreAccess(req, q.store);
        const storeId = q.store ?? (isHeadOffice(p) ? null : storeOf(p));
        if (!storeId && !isHeadOffice(p)) throw new ForbiddenError('the whole fleet’s sales are for an ADMIN');
        res.json(
          await new SalesOverviewRepository(db).overview({
            now: sales.now(),
            storeId,
            days: q.days,
            after: q.after ?? null,
            limit: q.limit,
          }),
        );
      },
    );
  r.get(
    '/sales/daily',
    apiDoc({
      summary: 'A store’s sales totals per day',
      description:
        'Name the store (`store`); the whole fleet’s days are an ADMIN’s. Paged: pass the answer’s `next` as `after`.',
      query: dailyQuery,
      responses: { 200: 'per day, store and currency its totals, and `next`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const q = parseOrThrow(dailyQuery, req.query, 'query');
      if (q.store) assertStoreAccess(req, q.store);
      else if (!isHeadOffice(p))
        throw new ForbiddenError('name your store with ?store=; the whole fleet’s totals are for an ADMIN');
      res.json(
        await sales.daily({
          storeId: q.store ?? null,
          from: q.from ?? null,
          to: q.to ?? null,
          limit: q.limit,
          after: q.after ?? null,
        }),
      );
    },
  );
  r.get(
    '/sales/:saleId',
    apiDoc({
      summary: 'Look a sale up by its id, with its returns',
      description:
        'Per store that used the id: head office sees every store’s (or the one named by `store`); a store’s people ' +
        'and token only their own store’s. Another store’s sale is a 404, exactly like a missing one.',
      params: saleParams,
      query: saleQuery,
      responses: { 200: 'the sale per store, with its returns', 404: 'no such sale, or not yours' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const { saleId } = parseOrThrow(saleParams, req.params, 'sale id');
      const { store } = parseOrThrow(saleQuery, req.query, 'query');
      // A store's callers search their own store only: another store's sale reads exactly as a missing one.
      const scope = isHeadOffice(p) ? (store ?? null) : storeOf(p);
      if (!scope && !isHeadOffice(p)) throw new NotFoundError('sale', saleId);
      if (store && scope !== store) throw new NotFoundError('sale', saleId);
      res.json(await sales.sale(saleId, scope));
    },
  );
  return r;
}
