import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, ForbiddenError, markUnkeptAnswer, MAX_CART_QTY, parseOrThrow, skuSchema } from '@storefleet/shared';
import { isHeadOffice, principalOf, storeOf } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { PricingParts } from './index.js';

const uuid = z.string().uuid();
const openBody = z.strictObject({ customerId: uuid, storeId: uuid });
const scanBody = z.strictObject({
  code: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, 'a barcode or sku: printable characters, no spaces'),
  qty: z.number().int().min(1).max(MAX_CART_QTY).default(1),
});
const lineBody = z.strictObject({ qty: z.number().int().min(0).max(MAX_CART_QTY) });
const checkoutBody = z.strictObject({ coupons: z.array(z.string().min(1).max(200)).max(5).default([]) });
const epoch = z
  .string()
  .regex(/^\d{1,15}$/, 'epoch milliseconds')
  .transform(Number);
const exitsQuery = z.strictObject({ storeId: uuid.optional(), from: epoch.optional(), to: epoch.optional() });
const idParam = z.strictObject({ id: uuid });
const lineParams = z.strictObject({ id: uuid, sku: skuSchema });

const DAY_MS = 86_400_000;
const APP = 'The app backend (head office’s service account, acting for the signed-in customer) only.';

/**
 * Scan & Go (who may call each: access-scan-go.ts). The app backend (head office's service account, acting for the
 * signed-in customer) opens, scans, checks out and cancels; a store's people and node read their own store's
 * sessions (without the exit token); head office and a store's manager read the exits the doors reported.
 */
export function scanGoRoutes(parts: PricingParts, ctx: HubContext): Router {
  const r = Router();
  const sg = parts.scanGo;
  const appOnly = (req: Parameters<typeof principalOf>[0]) => {
    if (!isHeadOffice(principalOf(req)))
      throw new ForbiddenError('Scan & Go sessions are changed by the app backend (head office) only');
  };

  r.post(
    '/scan-go/sessions',
    apiDoc({
      summary: 'Open a customer’s Scan & Go session at a store',
      description: `${APP} Answers the customer’s open session there when they have one (200).`,
      body: openBody,
      responses: { 201: 'the session, opened', 200: 'the customer’s open session' },
      access: ['admin'],
    }),
    async (req, res) => {
      appOnly(req);
      const b = parseOrThrow(openBody, req.body, 'body');
      const { session, created } = await sg.open(b.customerId, b.storeId);
      res.status(created ? 201 : 200).json(session);
    },
  );

  r.get(
    '/scan-go/sessions/:id',
    apiDoc({
      summary: 'Read a Scan & Go session',
      description:
        'Head office (with the exit token once paid); a store’s people and token their own store’s sessions, ' +
        'without the exit token. Another store’s is a 404.',
      params: idParam,
      responses: { 200: 'the session', 404: 'no such session, or not yours' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const { id } = parseOrThrow(idParam, req.params, 'path');
      const head = isHeadOffice(p);
      const s = await sg.session(id, (row) => head || storeOf(p) === row.storeId);
      if (head && s.status === 'PAID') markUnkeptAnswer(res);
      res.setHeader('Cache-Control', 'no-store');
      res.json(await sg.view(s, head));
    },
  );

  r.post(
    '/scan-go/sessions/:id/scans',
    apiDoc({
      summary: 'Scan a barcode or sku into the session’s cart',
      description: APP,
      params: idParam,
      body: scanBody,
      responses: { 200: 'the session, priced' },
      access: ['admin'],
    }),
    async (req, res) => {
      appOnly(req);
      const { id } = parseOrThrow(idParam, req.params, 'path');
      const b = parseOrThrow(scanBody, req.body, 'body');
      res.json(await sg.scan(id, b.code, b.qty));
    },
  );

  r.put(
    '/scan-go/sessions/:id/lines/:sku',
    apiDoc({
      summary: 'Set a line’s quantity (0 removes it)',
      description: APP,
      params: lineParams,
      body: lineBody,
      responses: { 200: 'the session, priced' },
      access: ['admin'],
    }),
    async (req, res) => {
      appOnly(req);
      const { id, sku } = parseOrThrow(lineParams, req.params, 'path');
      const b = parseOrThrow(lineBody, req.body, 'body');
      res.json(await sg.setLine(id, sku, b.qty));
    },
  );

  r.post(
    '/scan-go/sessions/:id/checkout',
    apiDoc({
      summary: 'Pay for the session and get the exit token',
      description: `${APP} Charges through the payments port; the exit token is a one-time secret, not kept for a retry.`,
      params: idParam,
      body: checkoutBody,
      responses: { 200: 'the session, paid, with its exit token' },
      access: ['admin'],
    }),
    async (req, res) => {
      appOnly(req);
      const { id } = parseOrThrow(idParam, req.params, 'path');
      const b = parseOrThrow(checkoutBody, req.body ?? {}, 'body');
      const session = await sg.checkout.checkout(id, b.coupons);
      markUnkeptAnswer(res); // the exit token is a one-time secret (GET answers it again to head office)
      res.json(session);
    },
  );

  r.post(
    '/scan-go/sessions/:id/cancel',
    apiDoc({
      summary: 'Cancel a Scan & Go session',
      description: APP,
      params: idParam,
      responses: { 200: 'the session, cancelled' },
      access: ['admin'],
    }),
    async (req, res) => {
      appOnly(req);
      const { id } = parseOrThrow(idParam, req.params, 'path');
      res.json(await sg.cancel(id));
    },
  );

  r.get(
    '/scan-go/exits',
    apiDoc({
      summary: 'The exits the doors reported',
      description:
        'Head office for any store (or all); a store’s manager their own store’s. Between `from` and `to` (epoch ms; ' +
        'the last day by default).',
      query: exitsQuery,
      responses: { 200: 'the exits and their audits' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const q = parseOrThrow(exitsQuery, req.query, 'query');
      let storeId = q.storeId ?? null;
      if (!isHeadOffice(p)) {
        const mine = storeOf(p);
        if (p.kind !== 'user' || p.role !== 'STORE_MANAGER' || !mine)
          throw new ForbiddenError("Scan & Go exits are head office's and a store manager's");
        if (storeId && storeId !== mine) throw new ForbiddenError(`no access to store ${storeId}`);
        storeId = mine;
      }
      const to = q.to ?? ctx.now() + 1;
      const from = q.from ?? to - DAY_MS;
      res.setHeader('Cache-Control', 'no-store');
      res.json({ storeId, from, to, ...(await sg.exits({ storeId, from, to })) });
    },
  );
  return r;
}
