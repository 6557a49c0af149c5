import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow, uuidSchema, apiDoc } from '@storefleet/shared';
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

const storeIdParam = z.object({ id: uuidSchema });
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
  r.get(
    '/sync/lag-history',
    apiDoc({
      summary: 'Sync lag over time, per store (the console’s chart)',
      tags: ['sync'],
      query: lagQuery,
      responses: { 200: 'Samples per store' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      const q = parseOrThrow(lagQuery, req.query, 'query');
      if (q.storeId) assertStoreAccess(req, q.storeId);
      else assertRole(req, 'ADMIN'); // the whole fleet's series
      res.json({ storeId: q.storeId ?? null, items: await lag.series(now() - q.minutes * 60_000, q.storeId) });
    },
  );
  // Each store's worst and p95 lag over the window, against the "< 1 min" target (the console's fleet page).
  r.get(
    '/sync/lag-targets',
    apiDoc({
      summary: 'The lag targets the console draws against',
      tags: ['sync'],
      query: lagQuery,
      responses: { 200: 'Targets' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      const q = parseOrThrow(lagQuery, req.query, 'query');
      if (q.storeId) assertStoreAccess(req, q.storeId);
      else assertRole(req, 'ADMIN');
      res.json(await lag.targets(now() - q.minutes * 60_000, q.storeId));
    },
  );
  r.get(
    '/sync/stores',
    apiDoc({
      summary: 'Every store’s sync state (connected, lag, parked events, disk)',
      tags: ['sync'],
      responses: { 200: 'One entry per store' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (_req, res) => {
      res.json({ items: await status.list() });
    },
  );
  r.get(
    '/sync/stores/:id',
    apiDoc({
      summary: 'One store’s sync state',
      tags: ['sync'],
      params: storeIdParam,
      responses: { 200: 'The store’s sync state' },
      access: ['admin', 'staff', 'store'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(storeIdParam, req.params, 'store id');
      assertStoreAccess(req, id);
      const [state] = await status.list(id);
      if (!state) throw new NotFoundError('store', id);
      res.json(state);
    },
  );
  r.get(
    '/sync/parked',
    apiDoc({
      summary: 'Store events the hub could not apply yet (parked), newest first',
      tags: ['sync'],
      query: parkedQuery,
      responses: { 200: 'A page of parked events' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(parkedQuery, req.query, 'query');
      res.json({
        items: await status.parked(q.storeId, q.limit, { state: q.state, type: q.type }),
        types: await status.parkedTypes(),
      });
    },
  );
  // Replays after a fix is deployed: applied once whatever happens (see ParkedReplay); 200 with the outcome, which
  // says `failed` (and the new reason) when the event stays parked.
  r.post(
    '/sync/parked/replay',
    apiDoc({
      summary: 'Replay parked events of a type (after the fix that lets them apply)',
      tags: ['sync'],
      body: replayType,
      responses: { 200: 'How many applied and how many stay parked' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const body = parseOrThrow(replayType, req.body ?? {}, 'replay');
      res.json(await replay.ofType(body.type, replayer(req), body.storeId));
    },
  );
  r.post(
    '/sync/parked/:storeId/:seq/replay',
    apiDoc({
      summary: 'Replay one parked event',
      tags: ['sync'],
      params: parkedEvent,
      responses: { 200: 'Whether it applied' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { storeId, seq } = parseOrThrow(parkedEvent, req.params, 'parked event');
      res.json(await replay.one(storeId, seq, replayer(req)));
    },
  );
  return r;
}
