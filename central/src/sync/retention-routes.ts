import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, apiDoc } from '@storefleet/shared';
import { principalOf, requireRole } from '../kernel/access.js';
import type { Retention } from './retention.js';

/**
 * `GET /api/sync/retention`: per table its rows, oldest row, what sweeps moved, the archive's months and which may be
 * detached, and the last sweep. `POST /api/sync/retention/run`: a sweep now — 202 once it has started, or with
 * `already-running` and that sweep's id when one runs (here or on another hub process). ADMIN only.
 */
/** A sweep takes no options: its settings are the hub's. */
const retentionRunBody = z.object({}).strict();

export function retentionRoutes(retention: Retention): Router {
  const r = Router();
  r.get(
    '/sync/retention',
    apiDoc({
      summary: 'Retention of the sync and order tables: settings and the last sweeps',
      tags: ['sync'],
      responses: { 200: 'Settings and recent runs' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (_req, res) => {
      res.json(await retention.status());
    },
  );
  r.post(
    '/sync/retention/run',
    apiDoc({
      summary: 'Run a retention sweep now',
      tags: ['sync'],
      body: retentionRunBody,
      responses: { 200: 'What the sweep moved', 409: 'a sweep is already running' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      parseOrThrow(retentionRunBody, req.body ?? {}, 'retention run');
      const p = principalOf(req);
      res.status(202).json(await retention.begin(p.kind === 'user' ? `user:${p.userId}` : `store:${p.storeId}`));
    },
  );
  return r;
}
