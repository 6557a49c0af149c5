import { apiDoc, parseOrThrow } from '@storefleet/shared';
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
  r.post(
    '/pricing/preview/entries',
    apiDoc({
      summary: 'Preview a price book change',
      description: 'Per sku the price now and after the change, and the stores it reaches. Nothing is written.',
      query: noQuery,
      body: previewEntriesSchema,
      responses: { 200: 'the preview' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json(await parts.insights.previewEntries(parseOrThrow(previewEntriesSchema, req.body, 'book change')));
    },
  );
  r.post(
    '/pricing/preview/promotion',
    apiDoc({
      summary: 'Preview the skus a promotion draft targets',
      description: 'The first 500 skus and how many in all. Nothing is written.',
      query: noQuery,
      body: promotionDraftSchema,
      responses: { 200: 'the skus targeted and their count' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json(await parts.insights.previewPromotion(parseOrThrow(promotionDraftSchema, req.body, 'promotion')));
    },
  );
  r.post(
    '/pricing/dry-runs',
    apiDoc({
      summary: 'Start a dry run of a promotion on past baskets',
      description: 'A job on the sales ledger’s baskets: poll it at `GET /api/pricing/dry-runs/{id}`.',
      query: noQuery,
      body: dryRunRequestSchema,
      responses: { 202: 'the dry run, started' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      const body = parseOrThrow(dryRunRequestSchema, req.body, 'dry run');
      const p = principalOf(req);
      res.status(202).json(await parts.insights.startDryRun(body, p.kind === 'user' ? p.userId : null));
    },
  );
  r.get(
    '/pricing/dry-runs/:id',
    apiDoc({
      summary: 'A dry run’s progress and result',
      params: idParam,
      query: noQuery,
      responses: { 200: 'the dry run', 404: 'no such dry run' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      const { id } = parseOrThrow(idParam, req.params, 'path');
      res.json(await parts.insights.dryRun(id));
    },
  );
  return r;
}
