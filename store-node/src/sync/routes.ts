import { Router, type Response } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { StoreSync } from './store-sync.js';
import { storeApiDoc } from '../api-doc.js';

const listQuery = z.object({
  state: z.enum(['parked', 'resolved', 'all']).default('parked'),
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const replayBody = z.strictObject({
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  type: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z][a-z0-9._-]*$/, 'a feed type such as reservation.changed')
    .optional(),
});

/**
 * The feed entries this store parked: `GET /sync/parked-feed?state=parked|resolved|all&after=&limit=` lists them (a
 * resolved one says when, by whom and how), `POST /sync/parked-feed/replay {seq?, type?}` replays those whose type
 * has a handler now (all, one seq, or one type) and answers what happened. `by` names the caller for the audit.
 */
export function parkedFeedRoutes(sync: StoreSync, by: (res: Response) => string): Router {
  const r = Router();
  r.get(
    '/sync/parked-feed',
    storeApiDoc({
      audience: 'staff',
      tag: 'Sync',
      summary: 'Feed entries this store parked',
      description:
        'Entries from the hub the node could not apply (no handler, a bad payload): parked, resolved (when, by whom, how) or all, a page at a time after `after`.',
      query: listQuery,
      responses: { 200: '{ items, parked }: the page and how many are parked now' },
    }),
    (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const items = sync.storage.parked.list(q.state, q.limit, q.after);
      res.json({ items, parked: sync.storage.parked.summary().count });
    },
  );
  r.post(
    '/sync/parked-feed/replay',
    storeApiDoc({
      audience: 'backOffice',
      tag: 'Sync',
      summary: 'Replay parked feed entries',
      description:
        'Those whose type has a handler now: all, one `seq` or one `type`. A store manager replays after an upgrade or a fix; the caller is named in the audit.',
      body: replayBody,
      responses: {
        200: '{ tried, applied, refused, parked }: the refused (first 100) with their new reasons stay parked',
      },
    }),
    async (req, res) => {
      const only = parseOrThrow(replayBody, req.body ?? {}, 'replay');
      res.json(await sync.replayParkedFeed(by(res), only));
    },
  );
  return r;
}
