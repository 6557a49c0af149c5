import { Router } from 'express';
import { z } from 'zod';
import { ForbiddenError, markUnkeptAnswer, NotFoundError, parseOrThrow, uuidSchema } from '@storefleet/shared';
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
  r.get('/pricing/keys', requireRole('ADMIN'), async (_req, res) => {
    res.json({ keys: await parts.keys.publicKeys() });
  });
  r.post('/pricing/keys/rotate', requireRole('ADMIN'), async (req, res) => {
    const body = parseOrThrow(rotateBody, req.body ?? {}, 'rotation');
    res.status(201).json(await parts.keys.rotate(body.retireAfterDays));
  });
  r.post('/pricing/promotions/:id/coupons', requireRole('ADMIN'), async (req, res) => {
    const { id } = parseOrThrow(promotionParam, req.params, 'promotion id');
    const body = parseOrThrow(issueBody, req.body, 'coupon batch');
    const p = principalOf(req);
    const batch = await parts.coupons.issue(id, body, p.kind === 'user' ? p.userId : null);
    // The codes are shown once: a repeated request (the same Idempotency-Key) issues new ones rather than keep these.
    markUnkeptAnswer(res);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(batch);
  });
  r.get('/pricing/promotions/:id/coupon-batches', requireRole('ADMIN'), async (req, res) => {
    const { id } = parseOrThrow(promotionParam, req.params, 'promotion id');
    res.json({ batches: await parts.coupons.batches(id) });
  });
  r.post('/pricing/coupons/check', requireAuth, async (req, res) => {
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
  });
  r.get('/pricing/coupons/doubles', requireRole('ADMIN'), async (req, res) => {
    const q = parseOrThrow(doublesQuery, req.query, 'query');
    res.json(await parts.coupons.doubles(q.after, q.limit));
  });
  return r;
}
