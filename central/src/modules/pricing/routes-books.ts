import { apiDoc, ForbiddenError, NotFoundError, parseOrThrow, PRICE_BOOK_SCOPES, skuSchema } from '@storefleet/shared';
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

const regionParam = z.object({ id: regionId });
const nameBody = z.strictObject({ name });
const storeRegionBody = z.strictObject({ regionId: regionId.nullable() });
const newBookBody = z.strictObject({
  name,
  scope: z.enum(PRICE_BOOK_SCOPES),
  storeId: uuid.optional(),
  regionId: regionId.optional(),
});
const skuParam = z.object({ sku: skuSchema });
const skuQuery = z.strictObject({ storeId: uuid.optional() });
/** Ids in the path that are not UUIDs are a 404 (the thing does not exist), never a 400. */
const MALFORMED_IS_MISSING = 'An id that is not a UUID names nothing: 404.';
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

  r.get(
    '/pricing/regions',
    apiDoc({
      summary: 'List the regions with their store counts',
      responses: { 200: '`{ regions }`' },
      access: ['admin'],
    }),
    admin,
    async (_req, res) => {
      res.json({ regions: await parts.books.regions() });
    },
  );
  r.put(
    '/pricing/regions/:id',
    apiDoc({
      summary: 'Create or rename a region',
      params: regionParam,
      body: nameBody,
      responses: { 200: 'the region' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(regionParam, req.params, 'region id');
      const body = parseOrThrow(nameBody, req.body);
      res.json(await parts.books.putRegion(id, body.name));
    },
  );
  r.put(
    '/pricing/stores/:storeId/region',
    apiDoc({
      summary: 'Put a store in a region (or in none)',
      description: `The change is announced to the stores. ${MALFORMED_IS_MISSING}`,
      body: storeRegionBody,
      responses: { 200: 'the store’s region' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const storeId = idParam(req, 'storeId', 'store');
      const body = parseOrThrow(storeRegionBody, req.body);
      res.json(await parts.books.setStoreRegion(storeId, body.regionId));
    },
  );

  r.get(
    '/pricing/books',
    apiDoc({
      summary: 'List the price books',
      description: 'Head office sees every book; a store’s manager the books that apply at their store.',
      responses: { 200: '`{ books }`' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      res.json({ books: await parts.books.list(reader(req)) });
    },
  );
  r.post(
    '/pricing/books',
    apiDoc({
      summary: 'Create a price book',
      description: 'One book per chain, per region and per store: `storeId` for a store’s, `regionId` for a region’s.',
      body: newBookBody,
      responses: { 201: 'the price book', 409: 'that chain, region or store has a book already' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const body = parseOrThrow(newBookBody, req.body);
      res.status(201).json(await parts.books.create(body));
    },
  );
  r.patch(
    '/pricing/books/:id',
    apiDoc({
      summary: 'Rename a price book',
      description: MALFORMED_IS_MISSING,
      body: nameBody,
      responses: { 200: 'the price book' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const id = idParam(req, 'id', 'price book');
      const body = parseOrThrow(nameBody, req.body);
      res.json(await parts.books.rename(id, body.name));
    },
  );
  r.get(
    '/pricing/books/:id/entries',
    apiDoc({
      summary: 'List a price book’s entries',
      description:
        'Head office reads any book; a store’s manager a book that applies at their store (another is a 404). Paged ' +
        `(\`after\` is the last entry’s id). ${MALFORMED_IS_MISSING}`,
      query: entriesQuery,
      responses: { 200: 'a page of entries' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      const who = reader(req);
      const id = idParam(req, 'id', 'price book');
      const q = parseOrThrow(entriesQuery, req.query, 'query');
      res.json(await parts.books.entries(who, id, { sku: q.sku ?? null, after: q.after ?? null, limit: q.limit }));
    },
  );
  r.post(
    '/pricing/books/:id/entries',
    apiDoc({
      summary: 'Write prices into a price book',
      description: `Up to ${ENTRIES_PER_CALL} entries in one transaction, announced to the stores. ${MALFORMED_IS_MISSING}`,
      body: entriesBody,
      responses: { 200: 'the entries written' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const id = idParam(req, 'id', 'price book');
      const body = parseOrThrow(entriesBody, req.body);
      res.json(await parts.books.putEntries(id, body.entries));
    },
  );
  r.delete(
    '/pricing/books/:id/entries/:entryId',
    apiDoc({
      summary: 'Delete a price book entry',
      description: `Kept as a tombstone and announced to the stores. ${MALFORMED_IS_MISSING}`,
      responses: { 204: 'deleted' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const id = idParam(req, 'id', 'price book');
      const entryId = idParam(req, 'entryId', 'price book entry');
      await parts.books.deleteEntry(id, entryId);
      res.status(204).end();
    },
  );

  r.get(
    '/pricing/promotions',
    apiDoc({
      summary: 'List promotions',
      description:
        'Head office sees every promotion; a store’s manager those that run at their store. Paged (`after`).',
      query: promotionsQuery,
      responses: { 200: 'a page of promotions' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      const who = reader(req);
      const q = parseOrThrow(promotionsQuery, req.query, 'query');
      res.json(await parts.promotions.list(who, { status: q.status ?? null, after: q.after ?? null, limit: q.limit }));
    },
  );
  r.post(
    '/pricing/promotions',
    apiDoc({
      summary: 'Create a promotion',
      description: 'Announced to the stores it runs at.',
      body: promotionDraftSchema,
      responses: { 201: 'the promotion' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const p = principalOf(req);
      const draft = parseOrThrow(promotionDraftSchema, req.body);
      res.status(201).json(await parts.promotions.create(draft, p.kind === 'user' ? p.userId : null));
    },
  );
  r.get(
    '/pricing/promotions/:id',
    apiDoc({
      summary: 'Read a promotion',
      description: `A store’s manager reads only a promotion that runs at their store (another is a 404). ${MALFORMED_IS_MISSING}`,
      responses: { 200: 'the promotion', 404: 'no such promotion, or not yours' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      const who = reader(req);
      res.json(await parts.promotions.get(who, idParam(req, 'id', 'promotion')));
    },
  );
  r.put(
    '/pricing/promotions/:id',
    apiDoc({
      summary: 'Edit a promotion',
      description: `A new revision, announced to the stores. ${MALFORMED_IS_MISSING}`,
      body: promotionDraftSchema,
      responses: { 200: 'the promotion as edited' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const id = idParam(req, 'id', 'promotion');
      res.json(await parts.promotions.edit(id, parseOrThrow(promotionDraftSchema, req.body)));
    },
  );
  r.post(
    '/pricing/promotions/:id/end',
    apiDoc({
      summary: 'End a running promotion now',
      description: MALFORMED_IS_MISSING,
      responses: { 200: 'the promotion as ended' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      res.json(await parts.promotions.end(idParam(req, 'id', 'promotion')));
    },
  );
  r.delete(
    '/pricing/promotions/:id',
    apiDoc({
      summary: 'Delete a promotion',
      description: `Kept as a tombstone and announced to the stores. ${MALFORMED_IS_MISSING}`,
      responses: { 204: 'deleted' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      await parts.promotions.delete(idParam(req, 'id', 'promotion'));
      res.status(204).end();
    },
  );

  r.post(
    '/pricing/price',
    apiDoc({
      summary: 'Price lines at a store or online',
      description:
        'Head office prices at any store (or online: no `storeId`); a store’s token and people at their own store ' +
        'only (another store is a 404). `member` prices as for a loyalty member; `coupons` are checked, not redeemed.',
      body: priceBody,
      responses: { 200: 'the priced lines, promotions applied and totals' },
      access: ['staff'],
    }),
    async (req, res) => {
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
    },
  );
  r.get(
    '/pricing/skus/:sku',
    apiDoc({
      summary: 'A sku’s price now and upcoming at a store',
      description: 'Head office for any store (or online); a store’s token and people for their own store only (404).',
      params: skuParam,
      query: skuQuery,
      responses: { 200: 'the price now, the member price and the changes to come' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'sku');
      const q = parseOrThrow(skuQuery, req.query, 'query');
      res.json(await parts.pricer.skuView(sku, placeFor(req, q.storeId)));
    },
  );
  return r;
}
