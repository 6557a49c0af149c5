import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { assertRole, assertStoreAccess, requireRole } from '../http/access.js';
import type { SyncStatusRepository } from './sync-status.js';
import type { LagHistory } from './lag-history.js';

const parkedQuery = z.object({ storeId: uuidSchema.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });

const lagQuery = z.object({
  storeId: uuidSchema.optional(),
  /** How far back, in minutes (default one hour, at most the day kept). */
  minutes: z.coerce.number().int().min(1).max(1440).default(60),
});

export function syncRoutes(status: SyncStatusRepository, lag: LagHistory, now: () => number): Router {
  const r = Router();
  r.get('/sync/lag-history', async (req, res) => {
    const q = parseOrThrow(lagQuery, req.query, 'query');
    if (q.storeId) assertStoreAccess(req, q.storeId);
    else assertRole(req, 'ADMIN'); // the whole fleet's series
    res.json({ storeId: q.storeId ?? null, items: await lag.series(now() - q.minutes * 60_000, q.storeId) });
  });
  r.get('/sync/stores', requireRole('ADMIN'), async (_req, res) => {
    res.json({ items: await status.list() });
  });
  r.get('/sync/stores/:id', async (req, res) => {
    const { id } = parseOrThrow(z.object({ id: uuidSchema }), req.params, 'store id');
    assertStoreAccess(req, id);
    const [state] = await status.list(id);
    if (!state) throw new NotFoundError('store', id);
    res.json(state);
  });
  r.get('/sync/parked', requireRole('ADMIN'), async (req, res) => {
    const q = parseOrThrow(parkedQuery, req.query, 'query');
    res.json({ items: await status.parked(q.storeId, q.limit) });
  });
  return r;
}
