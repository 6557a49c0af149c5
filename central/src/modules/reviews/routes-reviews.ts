import { isIP } from 'node:net';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  decimalCountParam,
  isUuid,
  NotFoundError,
  parseOrThrow,
  RateLimitedError,
  REVIEW_SORTS,
  skuSchema,
  uuidSchema,
} from '@storefleet/shared';
import { isHeadOffice, principalOf, requireAuth } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import type { ReviewsParts } from './index.js';
import { MAX_BODY, MAX_PHOTOS, MAX_TITLE, MIN_BODY, type ReviewClient, type ReviewDraft } from './types.js';

export const MAX_LIST_LIMIT = 50;
export const DEFAULT_LIST_LIMIT = 10;

// C0 controls and DEL; a body keeps its tabs and line breaks, a title none
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the rule refuses
const CONTROL_IN_TITLE = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the rule refuses
const CONTROL_IN_BODY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text as stored: trimmed, no control characters or broken UTF-16, within `min`..`max` characters. */
const text = (min: number, max: number, controls: RegExp) =>
  z
    .string()
    .max(max * 2)
    .refine((s) => !controls.test(s), 'no control characters (NUL and the like)')
    .refine((s) => !LONE_SURROGATE.test(s), 'no broken characters (a lone surrogate)')
    .transform((s) => s.trim())
    .pipe(z.string().min(min, `at least ${min} characters`).max(max, `at most ${max} characters`));

/** A uuid in its canonical lowercase form: case variants of one id name one customer (one lock, one set of limits). */
const idSchema = uuidSchema.transform((s) => s.toLowerCase());

const clientSchema = z.strictObject({
  ip: z
    .string()
    .max(64)
    .refine((s) => isIP(s) !== 0, 'an IPv4 or IPv6 address')
    .nullable()
    .optional(),
  deviceId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII, no spaces')
    .refine((s) => !/^store:/i.test(s), 'not a store: device (a store’s kiosk is named from its own sign-in)')
    .nullable()
    .optional(),
});

const draftFields = {
  customerId: idSchema,
  rating: z.number().int().min(1).max(5),
  title: text(0, MAX_TITLE, CONTROL_IN_TITLE),
  body: text(MIN_BODY, MAX_BODY, CONTROL_IN_BODY),
  photoIds: z
    .array(idSchema)
    .max(MAX_PHOTOS)
    .refine((ids) => new Set(ids).size === ids.length, 'each photo once')
    .default([]),
  client: clientSchema.optional(),
};
const submitBody = z.strictObject({ sku: skuSchema, ...draftFields });
const editBody = z.strictObject(draftFields);
const deleteQuery = z.strictObject({ customerId: idSchema });
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const listQuery = z.strictObject({
  sort: z.enum(REVIEW_SORTS).default('helpful'),
  verified: flag.default(false),
  photos: flag.default(false),
  rating: decimalCountParam(1, 5, 'stars').optional(),
  limit: decimalCountParam(1, MAX_LIST_LIMIT, 'reviews').default(DEFAULT_LIST_LIMIT),
  after: z.string().min(1).max(300).optional(),
});
const noQuery = z.strictObject({});

/**
 * Where a write came from: head office (a web/app backend) passes its customer's address and device (never a `store:`
 * device: 400); a store's credential is its kiosk, at the request's own address (a `client` a store sends is ignored:
 * it may not vouch for one). Whether the kiosk's burst thresholds apply is decided from the sign-in, not from this.
 */
function clientOf(req: Request, p: Principal, given: z.infer<typeof clientSchema> | undefined): ReviewClient {
  if (isHeadOffice(p)) return { ip: given?.ip ?? null, deviceId: given?.deviceId ?? null };
  return { ip: req.ip ?? req.socket.remoteAddress ?? null, deviceId: p.kind === 'store' ? `store:${p.storeId}` : null };
}

/** A review id from the path: a UUID, else the review does not exist (404). */
function reviewId(raw: unknown): string {
  const id = typeof raw === 'string' ? raw : '';
  if (!isUuid(id)) throw new NotFoundError('review', id.slice(0, 64) || '?');
  return id.toLowerCase();
}

/** Answers a rate-limit refusal with its Retry-After header (the problem body says the limit). */
async function limited<T>(res: Response, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    throw err;
  }
}

/** Lane A's routes (see access-matrix.ts for each path and who may call it): validate, call the service, answer. */
export function reviewRoutes(parts: ReviewsParts, _ctx: HubContext): Router {
  const r = Router();
  const reviews = parts.reviews;

  r.post(
    '/reviews',
    apiDoc({
      summary: 'Submit a customer’s review of a product',
      description:
        'Scored for fraud and routed (approved, to manual review, or rejected); rate-limited per customer, address and device (429 with `Retry-After`). Head office (a web or app backend acting for its signed-in customer) or a store’s own credential (its kiosk) for a customer that store deals with; another store’s customer is missing (404). People at a store write no review for a customer.',
      body: submitBody,
      responses: { 201: 'the review with its status' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      const p = principalOf(req);
      reviews.access.assertMayActForCustomers(p);
      const b = parseOrThrow(submitBody, req.body, 'review');
      const draft: ReviewDraft = { ...b, client: clientOf(req, p, b.client) };
      res.status(201).json(await limited(res, () => reviews.submit(p, b.sku, draft)));
    },
  );

  r.get(
    '/reviews/products/:sku',
    apiDoc({
      summary: 'List a product’s approved reviews',
      description:
        'Sorted (`helpful` by default), filtered by verified purchase, photos or stars, paged by `after`; with the product’s summary.',
      query: listQuery,
      responses: { 200: 'a page of reviews and the summary' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const sku = parseOrThrow(skuSchema, req.params.sku, 'sku');
      const q = parseOrThrow(listQuery, req.query, 'query');
      res.json(
        await reviews.list({
          sku,
          sort: q.sort,
          verifiedOnly: q.verified,
          withPhotos: q.photos,
          rating: q.rating ?? null,
          limit: q.limit,
          after: q.after ?? null,
        }),
      );
    },
  );

  r.get(
    '/reviews/products/:sku/summary',
    apiDoc({
      summary: 'Read a product’s rating summary',
      query: noQuery,
      responses: { 200: 'the average, the count and the count per star' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const sku = parseOrThrow(skuSchema, req.params.sku, 'sku');
      parseOrThrow(noQuery, req.query, 'query');
      res.json(await reviews.summary(sku));
    },
  );

  r.get(
    '/reviews/customers/:customerId',
    apiDoc({
      summary: 'List a customer’s own reviews, whatever their status',
      description:
        'Head office (a web or app backend acting for its signed-in customer) or a store’s own credential (its kiosk) for a customer that store deals with; another store’s customer is missing (404). People at a store write no review for a customer.',
      query: noQuery,
      responses: { 200: '`{ reviews }`' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      const p = principalOf(req);
      reviews.access.assertMayActForCustomers(p);
      const raw: unknown = req.params.customerId;
      const customerId = typeof raw === 'string' ? raw : '';
      if (!isUuid(customerId)) throw new NotFoundError('customer', customerId.slice(0, 64) || '?');
      res.json({ reviews: await reviews.ofCustomer(p, customerId.toLowerCase()) });
    },
  );

  r.get(
    '/reviews/:reviewId',
    apiDoc({
      summary: 'Read a review',
      description: 'An approved one to anyone signed in; any status to head office or its author.',
      query: noQuery,
      responses: { 200: 'the review' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json(await reviews.get(principalOf(req), reviewId(req.params.reviewId)));
    },
  );

  r.put(
    '/reviews/:reviewId',
    apiDoc({
      summary: 'Edit a review (its author)',
      description:
        'The old text is kept as a revision; the new one is scored again. Head office (a web or app backend acting for its signed-in customer) or a store’s own credential (its kiosk) for a customer that store deals with; another store’s customer is missing (404). People at a store write no review for a customer.',
      body: editBody,
      responses: { 200: 'the review with its status' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      const p = principalOf(req);
      reviews.access.assertMayActForCustomers(p);
      const id = reviewId(req.params.reviewId);
      const b = parseOrThrow(editBody, req.body, 'review');
      const draft: ReviewDraft = { ...b, client: clientOf(req, p, b.client) };
      res.json(await limited(res, () => reviews.edit(p, id, draft)));
    },
  );

  r.delete(
    '/reviews/:reviewId',
    apiDoc({
      summary: 'Delete a review (its author)',
      description:
        '`customerId` names the author. Head office (a web or app backend acting for its signed-in customer) or a store’s own credential (its kiosk) for a customer that store deals with; another store’s customer is missing (404). People at a store write no review for a customer.',
      query: deleteQuery,
      responses: { 204: 'deleted' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      const p = principalOf(req);
      reviews.access.assertMayActForCustomers(p);
      const id = reviewId(req.params.reviewId);
      const q = parseOrThrow(deleteQuery, req.query, 'query');
      await reviews.remove(p, id, q.customerId);
      res.status(204).end();
    },
  );

  r.get(
    '/reviews/:reviewId/revisions',
    apiDoc({
      summary: 'List a review’s earlier texts',
      description: 'For its author or head office; missing (404) to anyone else.',
      query: noQuery,
      responses: { 200: '`{ revisions }`' },
      access: ['admin', 'store'],
    }),
    requireAuth,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json({ revisions: await reviews.revisions(principalOf(req), reviewId(req.params.reviewId)) });
    },
  );

  return r;
}
