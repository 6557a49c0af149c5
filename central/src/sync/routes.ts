import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { assertRole, assertStoreAccess, principalOf, requireRole } from '../kernel/access.js';
import type { ParkedReplay } from './parked-replay.js';
import type { SyncStatusRepository } from './sync-status.js';
import type { LagHistory } from './lag-history.js';

const parkedQuery = z.object({
  storeId: uuidSchema.optional(),
  type: z.string().min(1).max(200).optional(),
  /** open (default): still parked; resolved: applied by a replay (who, when); all. */
  state: z.enum(['open', 'resolved', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const parkedEvent = z.object({ storeId: uuidSchema, seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const replayType = z.object({ type: z.string().min(1).max(200), storeId: uuidSchema.optional() }).strict();

/** Who replays: recorded as the user's id (an ADMIN; the routes refuse anyone else). */
const replayer = (req: Parameters<typeof principalOf>[0]) => {
  const p = principalOf(req);
  return p.kind === 'user' ? p.userId : `store:${p.storeId}`;
};

const lagQuery = z.object({
  storeId: uuidSchema.optional(),
  /** How far back, in minutes (default one hour, at most the day kept). */
  minutes: z.coerce.number().int().min(1).max(1440).default(60),
});

export function syncRoutes(
  status: SyncStatusRepository,
  lag: LagHistory,
  now: () => number,
  replay: ParkedReplay,
): Router {
  const r = Router();
  r.get('/sync/lag-history', async (req, res) => {
    const q = parseOrThrow(lagQuery, req.query, 'query');
    if (q.storeId) assertStoreAccess(req, q.storeId);
    else assertRole(req, 'ADMIN'); // the whole fleet's series
    res.json({ storeId: q.storeId ?? null, items: await lag.series(now() - q.minutes * 60_000, q.storeId) });
  });
  // Each store's worst and p95 lag over the window, against the "< 1 min" target (the console's fleet page).
  r.get('/sync/lag-targets', async (req, res) => {
    const q = parseOrThrow(lagQuery, req.query, 'query');
    if (q.storeId) assertStoreAccess(req, q.storeId);
    else assertRole(req, 'ADMIN');
    res.json(await lag.targets(now() - q.minutes * 60_000, q.storeId));
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
    res.json({
      items: await status.parked(q.storeId, q.limit, { state: q.state, type: q.type }),
      types: await status.parkedTypes(),
    });
  });
  // Replays after a fix is deployed: applied once whatever happens (see ParkedReplay); 200 with the outcome, which
  // says `failed` (and the new reason) when the event stays parked.
  r.post('/sync/parked/replay', requireRole('ADMIN'), async (req, res) => {
    const body = parseOrThrow(replayType, req.body ?? {}, 'replay');
    res.json(await replay.ofType(body.type, replayer(req), body.storeId));
  });
  r.post('/sync/parked/:storeId/:seq/replay', requireRole('ADMIN'), async (req, res) => {
    const { storeId, seq } = parseOrThrow(parkedEvent, req.params, 'parked event');
    res.json(await replay.one(storeId, seq, replayer(req)));
  });
  return r;
}
