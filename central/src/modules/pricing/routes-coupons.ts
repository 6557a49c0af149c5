import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, ForbiddenError, markUnkeptAnswer, NotFoundError, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { isHeadOffice, principalOf, requireAuth, requireRole, storeOf } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { COUPON_BATCH_MAX } from './coupons.js';
import type { PricingParts } from './index.js';

const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const promotionParam = z.strictObject({ id: uuidSchema });
const issueBody = z.strictObject({
  count: z.number().int().min(1).max(COUPON_BATCH_MAX),
  expiresAt: epochMs,
});
const rotateBody = z.strictObject({ retireAfterDays: z.number().int().min(0).max(3_650).default(90) });
const checkBody = z.strictObject({
  code: z.string().trim().min(1).max(200),
  storeId: uuidSchema.optional(),
});
const cursorSchema = z.tuple([
  z.number().int().min(0).max(8_640_000_000_000),
  z.string().min(1).max(80),
  z.string().min(1).max(64),
]);
const doublesQuery = z.strictObject({
  after: z
    .string()
    .max(400)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return null;
      try {
        const [recordedAt, couponId, saleId] = cursorSchema.parse(JSON.parse(Buffer.from(s, 'base64url').toString()));
        return { recordedAt, couponId, saleId };
      } catch {
        ctx.addIssue({ code: 'custom', message: 'after is the `next` of the previous page' });
        return z.NEVER;
      }
    }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * Signing keys and coupons (who may call each: access-coupons.ts): the public keys and their rotation, issuing a
 * batch of codes (answered once: the answer is marked unkept, the codes are never stored), the batches, the online
 * check (head office for any store; a store's token and people for their own store), and the doubles.
 */
export function couponsRoutes(parts: PricingParts, _ctx: HubContext): Router {
  const r = Router();
  r.get(
    '/pricing/keys',
    apiDoc({
      summary: 'The public halves of the signing keys',
      description: 'Coupons and Scan & Go exit tokens are signed with these; stores get them through their pull.',
      responses: { 200: '`{ keys }`' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (_req, res) => {
      res.json({ keys: await parts.keys.publicKeys() });
    },
  );
  r.post(
    '/pricing/keys/rotate',
    apiDoc({
      summary: 'Rotate the signing key',
      description:
        'A new key signs from now on; the others retire after `retireAfterDays` (codes they signed stay good until then).',
      body: rotateBody,
      responses: { 201: 'the new key (its public half)' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const body = parseOrThrow(rotateBody, req.body ?? {}, 'rotation');
      res.status(201).json(await parts.keys.rotate(body.retireAfterDays));
    },
  );
  r.post(
    '/pricing/promotions/:id/coupons',
    apiDoc({
      summary: 'Issue a batch of single-use coupon codes for a promotion',
      description:
        'The codes are signed and shown once: they are never stored, and a repeated request (the same ' +
        'Idempotency-Key) issues new ones rather than answer these again.',
      params: promotionParam,
      body: issueBody,
      responses: { 201: 'the batch with its codes (answered once, `Cache-Control: no-store`)' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(promotionParam, req.params, 'promotion id');
      const body = parseOrThrow(issueBody, req.body, 'coupon batch');
      const p = principalOf(req);
      const batch = await parts.coupons.issue(id, body, p.kind === 'user' ? p.userId : null);
      // The codes are shown once: a repeated request (the same Idempotency-Key) issues new ones rather than keep these.
      markUnkeptAnswer(res);
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(batch);
    },
  );
  r.get(
    '/pricing/promotions/:id/coupon-batches',
    apiDoc({
      summary: 'A promotion’s coupon batches (never their codes)',
      params: promotionParam,
      responses: { 200: '`{ batches }`' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(promotionParam, req.params, 'promotion id');
      res.json({ batches: await parts.coupons.batches(id) });
    },
  );
  r.post(
    '/pricing/coupons/check',
    apiDoc({
      summary: 'Check a coupon code online',
      description:
        'Whether the code would be taken at a store now, without redeeming it. Head office for any store; a store’s ' +
        'token and people for their own store (another store is a 404).',
      body: checkBody,
      responses: { 200: 'the verdict (refused coupons named by id, never by code)' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const body = parseOrThrow(checkBody, req.body, 'coupon check');
      const p = principalOf(req);
      let storeId = body.storeId ?? null;
      if (!isHeadOffice(p)) {
        const mine = storeOf(p);
        if (!mine) throw new ForbiddenError('a coupon is checked by head office or a store');
        // Another store is missing to it, as for the price and sku routes (a store reaches only its own).
        if (storeId && storeId !== mine) throw new NotFoundError('store', storeId);
        storeId = mine;
      }
      res.json(await parts.coupons.check(body.code, storeId));
    },
  );
  r.get(
    '/pricing/coupons/doubles',
    apiDoc({
      summary: 'Coupons redeemed more than once',
      description: 'Paged: pass the answer’s `next` as `after`.',
      query: doublesQuery,
      responses: { 200: 'a page of double redemptions' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(doublesQuery, req.query, 'query');
      res.json(await parts.coupons.doubles(q.after, q.limit));
    },
  );
  return r;
}
