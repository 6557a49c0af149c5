import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import { principalOf, requireRole } from '../kernel/access.js';
import type { Retention } from './retention.js';

/**
 * `GET /api/sync/retention`: per table its rows, oldest row, what sweeps moved, the archive's months and which may be
 * detached, and the last sweep. `POST /api/sync/retention/run`: a sweep now — 202 once it has started, or with
 * `already-running` and that sweep's id when one runs (here or on another hub process). ADMIN only.
 */
export function retentionRoutes(retention: Retention): Router {
  const r = Router();
  r.get('/sync/retention', requireRole('ADMIN'), async (_req, res) => {
    res.json(await retention.status());
  });
  r.post('/sync/retention/run', requireRole('ADMIN'), async (req, res) => {
    parseOrThrow(z.object({}).strict(), req.body ?? {}, 'retention run');
    const p = principalOf(req);
    res.status(202).json(await retention.begin(p.kind === 'user' ? `user:${p.userId}` : `store:${p.storeId}`));
  });
  return r;
}
