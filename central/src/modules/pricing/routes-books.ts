import { ForbiddenError, NotFoundError, parseOrThrow, PRICE_BOOK_SCOPES, skuSchema } from '@storefleet/shared';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { assertRole, isHeadOffice, principalOf, requireRole, storeOf } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { ENTRIES_PER_CALL } from './books.js';
import type { PricingParts } from './index.js';
import { promotionDraftSchema } from './promotions.js';

const uuid = z.string().uuid();
const regionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a region id is 1–64 of A-Z a-z 0-9 _ -');
const name = z.string().trim().min(1).max(120);
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const minor = z.number().int().min(0).max(100_000_000_000);
const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

const entriesBody = z.strictObject({
  entries: z
    .array(
      z.strictObject({
        sku: skuSchema,
        priceMinor: minor,
        memberPriceMinor: minor.nullable().optional(),
        from: epochMs.optional(),
        to: epochMs.nullable().optional(),
      }),
    )
    .min(1)
    .max(ENTRIES_PER_CALL),
});
const entriesQuery = z.strictObject({ sku: skuSchema.optional(), after: uuid.optional(), limit: limit(1_000, 200) });
const promotionsQuery = z.strictObject({
  status: z.enum(['ACTIVE', 'SCHEDULED', 'ENDED']).optional(),
  after: uuid.optional(),
  limit: limit(200, 50),
});
const priceBody = z.strictObject({
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: z.number().int().min(1).max(10_000) }))
    .min(1)
    .max(100),
  storeId: uuid.nullable().optional(),
  member: z.boolean().optional(),
  coupons: z.array(z.string().trim().min(1).max(200)).max(5).optional(),
});

/** The reader a request is: head office (null) or the store of a store's manager. */
function reader(req: Request): { storeId: string } | null {
  const p = assertRole(req, 'ADMIN', 'STORE_MANAGER');
  if (isHeadOffice(p)) return null;
  const storeId = storeOf(p);
  if (storeId === null) throw new ForbiddenError('a store manager of no store reads no prices');
  return { storeId };
}

/**
 * The place a price is asked for: head office any (or online), a store's credential or people their own store only
 * (another store is a 404, as if it did not exist).
 */
function placeFor(req: Request, asked: string | null | undefined): string | null {
  const p = principalOf(req);
  if (isHeadOffice(p)) return asked ?? null;
  const mine = storeOf(p);
  if (mine === null) throw new ForbiddenError('prices are asked by head office or for your own store');
  if (asked !== undefined && asked !== mine) throw new NotFoundError('store', String(asked));
  return mine;
}

/** Regions, price books, entries, promotions, the hub's prices (who may call each: access-books.ts). */
export function booksRoutes(parts: PricingParts, _ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');
  const idParam = (req: Request, key: string, entity: string): string => {
    const v = String(req.params[key]);
    if (!uuid.safeParse(v).success) throw new NotFoundError(entity, v.slice(0, 80));
    return v;
  };

  r.get('/pricing/regions', admin, async (_req, res) => {
    res.json({ regions: await parts.books.regions() });
  });
  r.put('/pricing/regions/:id', admin, async (req, res) => {
    const id = parseOrThrow(regionId, req.params.id, 'region id');
    const body = parseOrThrow(z.strictObject({ name }), req.body);
    res.json(await parts.books.putRegion(id, body.name));
  });
  r.put('/pricing/stores/:storeId/region', admin, async (req, res) => {
    const storeId = idParam(req, 'storeId', 'store');
    const body = parseOrThrow(z.strictObject({ regionId: regionId.nullable() }), req.body);
    res.json(await parts.books.setStoreRegion(storeId, body.regionId));
  });

  r.get('/pricing/books', async (req, res) => {
    res.json({ books: await parts.books.list(reader(req)) });
  });
  r.post('/pricing/books', admin, async (req, res) => {
    const body = parseOrThrow(
      z.strictObject({
        name,
        scope: z.enum(PRICE_BOOK_SCOPES),
        storeId: uuid.optional(),
        regionId: regionId.optional(),
      }),
      req.body,
    );
    res.status(201).json(await parts.books.create(body));
  });
  r.patch('/pricing/books/:id', admin, async (req, res) => {
    const id = idParam(req, 'id', 'price book');
    const body = parseOrThrow(z.strictObject({ name }), req.body);
    res.json(await parts.books.rename(id, body.name));
  });
  r.get('/pricing/books/:id/entries', async (req, res) => {
    const who = reader(req);
    const id = idParam(req, 'id', 'price book');
    const q = parseOrThrow(entriesQuery, req.query, 'query');
    res.json(await parts.books.entries(who, id, { sku: q.sku ?? null, after: q.after ?? null, limit: q.limit }));
  });
  r.post('/pricing/books/:id/entries', admin, async (req, res) => {
    const id = idParam(req, 'id', 'price book');
    const body = parseOrThrow(entriesBody, req.body);
    res.json(await parts.books.putEntries(id, body.entries));
  });
  r.delete('/pricing/books/:id/entries/:entryId', admin, async (req, res) => {
    const id = idParam(req, 'id', 'price book');
    const entryId = idParam(req, 'entryId', 'price book entry');
    await parts.books.deleteEntry(id, entryId);
    res.status(204).end();
  });

  r.get('/pricing/promotions', async (req, res) => {
    const who = reader(req);
    const q = parseOrThrow(promotionsQuery, req.query, 'query');
    res.json(await parts.promotions.list(who, { status: q.status ?? null, after: q.after ?? null, limit: q.limit }));
  });
  r.post('/pricing/promotions', admin, async (req, res) => {
    const p = principalOf(req);
    const draft = parseOrThrow(promotionDraftSchema, req.body);
    res.status(201).json(await parts.promotions.create(draft, p.kind === 'user' ? p.userId : null));
  });
  r.get('/pricing/promotions/:id', async (req, res) => {
    const who = reader(req);
    res.json(await parts.promotions.get(who, idParam(req, 'id', 'promotion')));
  });
  r.put('/pricing/promotions/:id', admin, async (req, res) => {
    const id = idParam(req, 'id', 'promotion');
    res.json(await parts.promotions.edit(id, parseOrThrow(promotionDraftSchema, req.body)));
  });
  r.post('/pricing/promotions/:id/end', admin, async (req, res) => {
    res.json(await parts.promotions.end(idParam(req, 'id', 'promotion')));
  });
  r.delete('/pricing/promotions/:id', admin, async (req, res) => {
    await parts.promotions.delete(idParam(req, 'id', 'promotion'));
    res.status(204).end();
  });

  r.post('/pricing/price', async (req, res) => {
    const body = parseOrThrow(priceBody, req.body);
    const storeId = placeFor(req, body.storeId);
    res.json(
      await parts.pricer.priceLines({
        lines: body.lines,
        storeId,
        member: body.member ?? false,
        ...(body.coupons ? { coupons: body.coupons } : {}),
      }),
    );
  });
  r.get('/pricing/skus/:sku', async (req, res) => {
    const sku = parseOrThrow(skuSchema, req.params.sku, 'sku');
    const q = parseOrThrow(z.strictObject({ storeId: uuid.optional() }), req.query, 'query');
    res.json(await parts.pricer.skuView(sku, placeFor(req, q.storeId)));
  });
  return r;
}
