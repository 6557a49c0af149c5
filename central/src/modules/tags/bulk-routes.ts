import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, parseOrThrow, skuSchema, TAG_QUERY_LIMITS } from '@storefleet/shared';
import { principalOf, requireRole } from '../../kernel/access.js';
import { MAX_BULK_SKUS, type TagBulkJobs } from './bulk.js';

const tagId = z.number().int().min(1).max(2_147_483_647);
const skus = z
  .array(skuSchema)
  .min(1)
  .max(
    MAX_BULK_SKUS,
    `at most ${MAX_BULK_SKUS.toLocaleString('en-US')} skus a request: send more with more: true and POST …/skus`,
  );
const newJob = z.strictObject({
  action: z.enum(['ADD', 'REMOVE', 'REPLACE']),
  tagIds: z.array(tagId).max(100),
  query: z.string().min(1).max(TAG_QUERY_LIMITS.maxLength).optional(),
  skus: skus.optional(),
  more: z.literal(true).optional(),
});
const appendBody = z.strictObject({ skus });
// any 8-4-4-4-12 hex id is a job id that may exist (an unknown one, the all-zero UUID too, is a 404, not a 400)
const idParam = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i, 'must be a UUID'),
});
const noQuery = z.strictObject({});
const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).optional() });
const failuresQuery = z.strictObject({
  after: skuSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1_000).optional(),
});
/** cancel, start and retry carry nothing but their Idempotency-Key; an empty JSON object is fine too. */
const emptyBody = z.strictObject({}).optional();
const bodyOrNone = (b: unknown) => (b && typeof b === 'object' && Object.keys(b).length === 0 ? undefined : b);

/** The bulk job routes (lane B), all head office's. */
export function bulkRoutes(bulk: TagBulkJobs): Router {
  const r = Router();
  const admin = requireRole('ADMIN');

  r.post(
    '/tags/bulk-jobs',
    apiDoc({
      summary: 'Start a bulk job changing tags on many products',
      description:
        'The products by a tag `query` or by `skus`; with `more: true` the job waits for more skus (`POST …/skus`) and `…/start`.',
      body: newJob,
      responses: { 202: 'the job' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const body = parseOrThrow(newJob, req.body, 'bulk job');
      const p = principalOf(req);
      const by = p.kind === 'user' ? `user:${p.userId}` : `store:${p.storeId}`;
      res.status(202).json(await bulk.create(body, by));
    },
  );
  r.get(
    '/tags/bulk-jobs',
    apiDoc({
      summary: 'List the recent bulk jobs',
      query: listQuery,
      responses: { 200: '`{ items }`' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      res.json({ items: await bulk.recent(q.limit ?? 50) });
    },
  );
  r.get(
    '/tags/bulk-jobs/:id',
    apiDoc({
      summary: 'Read a bulk job’s progress',
      params: idParam,
      query: noQuery,
      responses: { 200: 'the job' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'job id');
      parseOrThrow(noQuery, req.query, 'query');
      res.json(await bulk.view(id));
    },
  );
  r.get(
    '/tags/bulk-jobs/:id/failures',
    apiDoc({
      summary: 'List the products a bulk job could not change, and why',
      params: idParam,
      query: failuresQuery,
      responses: { 200: 'a page of failures' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'job id');
      const q = parseOrThrow(failuresQuery, req.query, 'query');
      res.json(await bulk.failures(id, q.after ?? '', q.limit ?? 100));
    },
  );
  r.post(
    '/tags/bulk-jobs/:id/skus',
    apiDoc({
      summary: 'Add skus to a job still being prepared',
      params: idParam,
      body: appendBody,
      responses: { 200: 'the job' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'job id');
      const body = parseOrThrow(appendBody, req.body, 'skus');
      res.json(await bulk.appendSkus(id, body.skus));
    },
  );
  r.post(
    '/tags/bulk-jobs/:id/start',
    apiDoc({
      summary: 'Queue a prepared bulk job',
      description: 'A repeat answers the job as it is.',
      params: idParam,
      body: emptyBody,
      responses: { 202: 'the job' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'job id');
      parseOrThrow(emptyBody, bodyOrNone(req.body), 'start');
      res.status(202).json(await bulk.startJob(id));
    },
  );
  r.post(
    '/tags/bulk-jobs/:id/cancel',
    apiDoc({
      summary: 'Cancel a bulk job',
      description: 'What it changed stays changed; `…/retry` carries it on.',
      params: idParam,
      body: emptyBody,
      responses: { 200: 'the job' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'job id');
      parseOrThrow(emptyBody, bodyOrNone(req.body), 'cancel');
      res.json(await bulk.cancel(id));
    },
  );
  r.post(
    '/tags/bulk-jobs/:id/retry',
    apiDoc({
      summary: 'Carry a failed or cancelled bulk job on from where it stopped',
      params: idParam,
      body: emptyBody,
      responses: { 202: 'the job' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'job id');
      parseOrThrow(emptyBody, bodyOrNone(req.body), 'retry');
      res.status(202).json(await bulk.retry(id));
    },
  );
  return r;
}
