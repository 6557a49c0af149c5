import { parseOrThrow } from '@storefleet/shared';
import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { PricingParts } from './index.js';
import { dryRunRequestSchema, previewEntriesSchema, promotionDraftSchema } from './insights.js';

const noQuery = z.strictObject({});
const idParam = z.strictObject({ id: z.string().uuid() });

/** The console's previews and dry runs (who may call each: access-insights.ts). Head office's only. */
export function insightsRoutes(parts: PricingParts, _ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');
  parts.insights.defineJobs();
  r.post('/pricing/preview/entries', admin, async (req, res) => {
    parseOrThrow(noQuery, req.query, 'query');
    res.json(await parts.insights.previewEntries(parseOrThrow(previewEntriesSchema, req.body, 'book change')));
  });
  r.post('/pricing/preview/promotion', admin, async (req, res) => {
    parseOrThrow(noQuery, req.query, 'query');
    res.json(await parts.insights.previewPromotion(parseOrThrow(promotionDraftSchema, req.body, 'promotion')));
  });
  r.post('/pricing/dry-runs', admin, async (req, res) => {
    parseOrThrow(noQuery, req.query, 'query');
    const body = parseOrThrow(dryRunRequestSchema, req.body, 'dry run');
    const p = principalOf(req);
    res.status(202).json(await parts.insights.startDryRun(body, p.kind === 'user' ? p.userId : null));
  });
  r.get('/pricing/dry-runs/:id', admin, async (req, res) => {
    parseOrThrow(noQuery, req.query, 'query');
    const { id } = parseOrThrow(idParam, req.params, 'path');
    res.json(await parts.insights.dryRun(id));
  });
  return r;
}
