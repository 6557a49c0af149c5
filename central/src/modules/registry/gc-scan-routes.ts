import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, NotFoundError, ociDigestSchema, ociNameSchema, parseOrThrow } from '@storefleet/shared';
import { requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { RegistryParts } from './index.js';

const runsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().uuid().optional(),
});
const noQuery = z.strictObject({});
const noBody = z.strictObject({}).optional();
const bodyOrNone = (b: unknown) => (b && typeof b === 'object' && Object.keys(b).length === 0 ? undefined : b);
const digestParams = z.strictObject({ digest: ociDigestSchema });
const rescanBody = z.strictObject({ repository: ociNameSchema });

/**
 * Garbage-collection runs (list, start one) and scan reports (read, scan again) (lane: gc-scan), head office's:
 * `GET /registry/gc/runs?limit=&before=` (newest first; `before` = the last run id of the page before),
 * `POST /registry/gc/runs` (202 `{ id }`; 409 with the running run's id when one runs), `GET /registry/scans/:digest`
 * (state, counts, report), `POST /registry/scans/:digest` `{ repository }` (202: scanned again).
 */
export function gcScanRoutes(parts: RegistryParts, _ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');

  r.get(
    '/registry/gc/runs',
    apiDoc({
      summary: 'List garbage collection runs, newest first',
      query: runsQuery,
      responses: { 200: '`{ runs, next }`' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(runsQuery, req.query, 'query');
      const runs = await parts.gc.runs(q.limit, q.before ?? null);
      res.json({ runs, next: runs.length === q.limit ? (runs.at(-1)?.id ?? null) : null });
    },
  );
  r.post(
    '/registry/gc/runs',
    apiDoc({
      summary: 'Start a garbage collection now',
      query: noQuery,
      body: noBody,
      responses: { 202: '`{ id, state: "RUNNING" }`' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      parseOrThrow(noBody, bodyOrNone(req.body), 'body');
      const id = await parts.gc.request();
      res.status(202).location(`/api/registry/gc/runs?limit=1`).json({ id, state: 'RUNNING' });
    },
  );

  r.get(
    '/registry/scans/:digest',
    apiDoc({
      summary: 'Read a manifest’s vulnerability scan',
      params: digestParams,
      query: noQuery,
      responses: { 200: 'the scan report' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      const { digest } = parseOrThrow(digestParams, req.params, 'path');
      const scan = await parts.scans.get(digest);
      if (!scan) throw new NotFoundError('scan of manifest', digest);
      res.json(scan);
    },
  );
  r.post(
    '/registry/scans/:digest',
    apiDoc({
      summary: 'Scan a manifest again',
      params: digestParams,
      query: noQuery,
      body: rescanBody,
      responses: { 202: 'the scan, queued' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      const { digest } = parseOrThrow(digestParams, req.params, 'path');
      const { repository } = parseOrThrow(rescanBody, req.body, 'body');
      if (!(await parts.scans.rescan(repository, digest)))
        throw new NotFoundError(`manifest in repository ${repository}`, digest);
      res.status(202).json(await parts.scans.get(digest));
    },
  );
  return r;
}
