import {
  apiDoc,
  ForbiddenError,
  parseOrThrow,
  PRICING_STORE_PAGE_MAX,
  pricingStorePageSchema,
} from '@storefleet/shared';
import { Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { PricingParts } from './index.js';

const pullQuery = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'after is a revision: 0 for everything, else the page’s next')
    .default('0')
    .transform(Number),
  limit: z.coerce.number().int().min(1).max(PRICING_STORE_PAGE_MAX).default(500),
});

/**
 * The stores' pull (access-store.ts): `GET /api/pricing/store-rules?after=<revision>&limit=` — the calling store's
 * rules changed after `after` (store-rules.ts). A store's own credential only: the store is the one it names.
 */
export function storeRoutes(parts: PricingParts, ctx: HubContext): Router {
  const r = Router();
  r.get(
    '/pricing/store-rules',
    apiDoc({
      summary: 'A store’s pricing rules changed after a revision (the stores’ pull)',
      description:
        'A store’s own token only: its books (its own, its region’s, the chain’s), promotions, signing keys, used ' +
        'coupons and door keys changed after `after`. Pass the page’s `next` as `after` until it is null.',
      query: pullQuery,
      responses: { 200: pricingStorePageSchema },
      access: ['store'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      if (p.kind !== 'store') throw new ForbiddenError("a store's pricing rules are pulled with its own credential");
      const q = parseOrThrow(pullQuery, req.query, 'query');
      res.setHeader('Cache-Control', 'no-store');
      res.json(await parts.storeRules.page(ctx.db, p.storeId, q.after, q.limit));
    },
  );
  return r;
}
