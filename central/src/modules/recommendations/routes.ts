import { Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  decimalCountParam,
  NotFoundError,
  parseOrThrow,
  RateLimitedError,
  RECS_SURFACES,
  recsStoreTopSchema,
  skuSchema,
  UnprocessableError,
  uuidSchema,
} from '@storefleet/shared';
import {
  assertStoreAccess,
  isHeadOffice,
  principalOf,
  requireAuth,
  requireRole,
  storeOf,
} from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import type { RecsParts } from './index.js';
import { EventBudget } from './event-budget.js';
import { CustomerAccess } from './serving-access.js';
import { callerKey, callersSession, recordSessionEvent } from './session.js';

/** At most this many anchor skus a request (a cart's lines). */
export const MAX_ANCHOR_SKUS = 50;
export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 10;
/** Session ids shorter than this are refused (400). */
export const MIN_SESSION_ID = 16;

/** A customer or session id as callers name them: short, plain characters (customers' own ids are UUIDs). */
const idText = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, dot, dash, underscore, colon');
const limitText = decimalCountParam(1, MAX_LIMIT, 'products');

/**
 * A session id: long enough not to be guessed (a random id of at least 16 characters), as a session is a caller's own
 * (stored under the caller, session.ts) — a short one like "1" would be every careless client's shared session.
 */
const sessionText = idText.pipe(z.string().min(MIN_SESSION_ID, `at least ${MIN_SESSION_ID} characters`));

const listQuery = z.strictObject({
  surface: z.enum(RECS_SURFACES).default('home'),
  customerId: idText.optional(),
  sessionId: sessionText.optional(),
  // `sku` repeats (`?sku=A&sku=B`); the query parser gives one string or an array
  sku: z.union([skuSchema.transform((s) => [s]), z.array(skuSchema).max(MAX_ANCHOR_SKUS)]).optional(),
  storeId: uuidSchema.optional(),
  limit: limitText.default(DEFAULT_LIMIT),
});

const eventBody = z.strictObject({
  eventId: idText,
  sessionId: sessionText,
  customerId: idText.nullable().optional(),
  kind: z.enum(['VIEW', 'CART_ADD']),
  sku: skuSchema,
  storeId: uuidSchema.nullable().optional(),
});

const clickBody = z.strictObject({ impressionId: uuidSchema, sku: skuSchema });

const weight = z.number().min(0).max(10);
const surfaceWeights = z
  .strictObject({ personal: weight, boughtWith: weight, similar: weight, popular: weight, session: weight })
  .refine((w) => w.personal + w.boughtWith + w.similar + w.popular + w.session > 0, 'at least one source counts');
const variantBody = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40'),
  description: z.string().trim().max(500).default(''),
  weights: z.strictObject({
    home: surfaceWeights,
    product: surfaceWeights,
    cart: surfaceWeights,
    kiosk: surfaceWeights,
  }),
});
/** Stop and start take nothing: an empty body or `{}`. */
const emptyBody = z.strictObject({}).optional();
const runsQuery = z.strictObject({
  limit: decimalCountParam(1, 100, 'runs').default(20),
});

/** A variant's name from the path: a name it could have, else the variant is missing (404), never a 400. */
function variantName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw : '';
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) throw new NotFoundError('variant', name.slice(0, 40) || '?');
  return name;
}

/** The module's routes (access-matrix.ts lists them): validate, check the caller, call the part, answer. */
export function recommendationsRoutes(parts: RecsParts, ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');
  const customers = new CustomerAccess(() => ctx.services.find(CUSTOMER_DIRECTORY));
  const budget = new EventBudget();

  r.get(
    '/recommendations',
    apiDoc({
      summary: 'Recommendations for a surface (home, product, cart, kiosk)',
      description:
        'For web and app backends, kiosks and associates. `sku` (repeatable) anchors the list (the product shown, the ' +
        'cart’s lines); `sessionId` re-ranks by the session’s recent views and cart adds. With `customerId`: head ' +
        'office, or a store linked to the customer (another is a 404, as if the customer did not exist). With ' +
        '`storeId`: only that store’s own callers, or head office (403).',
      query: listQuery,
      responses: { 200: 'the products with why each is there, and the impression id clicks name' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const p = principalOf(req);
      // another store's popular list and stock are that store's, as its top list is (403)
      if (q.storeId !== undefined) assertStoreAccess(req, q.storeId);
      if (q.customerId !== undefined) await customers.check(p, q.customerId);
      res.json(
        await parts.serving.recommend({
          surface: q.surface,
          customerId: q.customerId ?? null,
          sessionId: q.sessionId === undefined ? null : callersSession(p, q.sessionId),
          skus: q.sku ?? [],
          storeId: q.storeId ?? null,
          limit: q.limit,
          askingStoreId: isHeadOffice(p) ? null : storeOf(p),
          servedTo: callerKey(p),
        }),
      );
    },
  );

  r.post(
    '/recommendations/events',
    apiDoc({
      summary: 'Tell of a session’s view or cart add',
      description:
        'Re-ranks the session’s next lists. The session and event ids are the caller’s own: another caller naming ' +
        'the same ids reaches neither. At most a budget of events a minute per caller (429 with Retry-After).',
      body: eventBody,
      responses: { 202: '`{ recorded: true }`', 422: 'the sku is not in the catalog', 429: 'over the minute’s budget' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const p = principalOf(req);
      const wait = budget.take(callerKey(p), ctx.now());
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        throw new RateLimitedError(`at most ${budget.perMinute} session events a minute; try again later`, wait);
      }
      const e = parseOrThrow(eventBody, req.body, 'session event');
      if (e.customerId) await customers.check(p, e.customerId, { mustExist: true });
      // a store tells of its own shop floor only; head office names any store
      const storeId = e.storeId ?? storeOf(p);
      if (storeId) assertStoreAccess(req, storeId);
      const known = await parts.serving.catalog.many([e.sku]);
      if (!known.has(e.sku)) throw new UnprocessableError(`product ${e.sku} is not in the catalog`, { sku: e.sku });
      await recordSessionEvent(
        ctx.db,
        {
          ...e,
          // the session and the event id are the caller's own: another caller naming the same ids reaches neither
          sessionId: callersSession(p, e.sessionId),
          eventId: callersSession(p, e.eventId),
          customerId: e.customerId ?? null,
          storeId: storeId ?? null,
        },
        ctx.now(),
      );
      res.status(202).json({ recorded: true });
    },
  );

  r.post(
    '/recommendations/clicks',
    apiDoc({
      summary: 'Count a click on a served list (for the A/B test)',
      description: 'Only by the caller the list was served to, within a day; counted once.',
      body: clickBody,
      responses: {
        200: '`{ counted }`: false when it was counted already',
        404: 'no such list served to you',
        422: 'the sku was not in that list',
      },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const c = parseOrThrow(clickBody, req.body, 'click');
      // only the caller the list was served to, within a day: any other click is on a list unknown to them (404)
      res.json({ counted: await parts.experiments.click(c.impressionId, c.sku, callerKey(principalOf(req))) });
    },
  );

  r.get(
    '/recommendations/variants',
    apiDoc({
      summary: 'The A/B variants with their click-through rates and credible intervals',
      responses: { 200: '`{ variants }`' },
      access: ['admin'],
    }),
    admin,
    async (_req, res) => {
      res.json({ variants: await parts.experiments.report() });
    },
  );
  r.post(
    '/recommendations/variants',
    apiDoc({
      summary: 'Create an A/B variant (per-surface weights of the sources)',
      body: variantBody,
      responses: { 201: 'the variant', 409: 'a variant has that name already' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      res.status(201).json(await parts.experiments.create(parseOrThrow(variantBody, req.body, 'variant')));
    },
  );
  r.post(
    '/recommendations/variants/:name/stop',
    apiDoc({
      summary: 'Stop serving a variant',
      description: 'A name no variant could have is a 404, not a 400.',
      body: emptyBody,
      responses: { 200: 'the variant, stopped', 409: 'it is the last variant running: start another first' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const name = variantName(req.params.name);
      parseOrThrow(emptyBody, req.body, 'stop');
      const p = principalOf(req);
      res.json(await parts.experiments.stopVariant(name, p.kind === 'user' ? p.userId : null));
    },
  );
  r.post(
    '/recommendations/variants/:name/start',
    apiDoc({
      summary: 'Serve a stopped variant again',
      description: 'A name no variant could have is a 404, not a 400.',
      body: emptyBody,
      responses: { 200: 'the variant, serving' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const name = variantName(req.params.name);
      parseOrThrow(emptyBody, req.body, 'start');
      res.json(await parts.experiments.startVariant(name));
    },
  );

  r.get(
    '/recommendations/models',
    apiDoc({
      summary: 'The training runs and their evaluation figures',
      query: runsQuery,
      responses: { 200: '`{ runs }`, newest first' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(runsQuery, req.query, 'query');
      res.json({ runs: await parts.training.runs(q.limit) });
    },
  );
  r.post(
    '/recommendations/models/train',
    apiDoc({
      summary: 'Start a training run',
      description: 'Runs in the background; follow it at `GET /api/recommendations/models`.',
      body: emptyBody,
      responses: { 202: 'the run requested' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(emptyBody, req.body, 'training request');
      res.status(202).json(await parts.training.requestTraining());
    },
  );

  r.get(
    '/recommendations/stores/:storeId/top',
    apiDoc({
      summary: 'The top list a store gets through its feed',
      description:
        'The store’s own people and token, or head office (another store: 403). Before the first model, or for an id ' +
        'no store has: 404.',
      responses: { 200: recsStoreTopSchema, 404: 'no list yet, or no such store' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const storeId = String(req.params.storeId);
      // another store's list is refused (403), as every store-scoped route of the hub; an id no store could have is
      // a list that does not exist
      assertStoreAccess(req, storeId);
      const top = uuidSchema.safeParse(storeId).success ? await parts.training.storeTop(storeId) : null;
      if (!top) throw new NotFoundError('store top list', storeId.slice(0, 64));
      res.json(top);
    },
  );
  return r;
}
