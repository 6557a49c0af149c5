import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, ForbiddenError, markSecretAnswer, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { assertStoreAccess, isHeadOffice, principalOf } from '../../../kernel/access.js';
import type { TrackingRepository } from './tracking-repository.js';
import { TRACK_PAGE, type TrackingLinks } from './tracking-links.js';
import type { Db } from '../../../db/db.js';

const idParam = z.object({ id: uuidSchema });
const tokenParam = z.object({ token: z.string().max(200) });
const positionsQuery = z.strictObject({ storeId: uuidSchema.optional() });

/**
 * Tracking's HTTP routes (under `/api`):
 * - `POST /delivery/deliveries/:id/tracking-link` (head office only: a link reads the exact door and the PIN): a new
 *   link for the customer, answered once (`path`, `url`); the earlier link stops working. Not replayed by
 *   Idempotency-Key.
 * - `GET /delivery/track/:token` (anyone holding the token: the customer's page): the delivery as the customer sees it.
 * - `GET /delivery/positions` (head office; a store's manager with `?storeId=` of their store): where the drivers are,
 *   with each one's recent trail, for the console's live map. A manager sees only the carriers carrying their store's
 *   deliveries, a position's delivery only when it is their store's, and no trail (it crosses other stores' doors).
 */
export function trackingRoutes(links: TrackingLinks, repo: TrackingRepository, db: Db): Router {
  const r = Router();
  r.post(
    '/delivery/deliveries/:id/tracking-link',
    apiDoc({
      summary: 'Make a new tracking link for the customer',
      description:
        'Head office only (the link’s page reads the exact door and the PIN). Answered once (`path`, `url`): the ' +
        'earlier link stops working, and a retry with the same Idempotency-Key does not see the token again.',
      params: idParam,
      responses: { 201: 'the link: `{ token, path, url, … }`', 404: 'no such delivery' },
      access: ['admin'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'path');
      const minted = await links.mint(principalOf(req), id);
      markSecretAnswer(res); // the token is shown once: a retry with the same key never sees it again
      const path = `${TRACK_PAGE}#t=${minted.token}`;
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({ ...minted, path, url: `${req.protocol}://${req.get('host') ?? 'localhost'}${path}` });
    },
  );
  r.get(
    '/delivery/track/:token',
    apiDoc({
      summary: 'A delivery as its customer sees it (the tracking page)',
      description: 'Anyone holding the link’s token: the token is the credential. An unknown or replaced one is a 404.',
      params: tokenParam,
      responses: { 200: 'the delivery’s status, promised window, estimate, store and driver', 404: 'no such link' },
      access: ['public'],
    }),
    async (req, res) => {
      const { token } = parseOrThrow(tokenParam, req.params, 'path');
      res
        .set('Cache-Control', 'no-store')
        .set('Referrer-Policy', 'no-referrer')
        .json(await links.view(token));
    },
  );
  r.get(
    '/delivery/positions',
    apiDoc({
      summary: 'Where the drivers are (the console’s live map)',
      description:
        'Head office sees every driver with their recent trail. A store’s manager asks with `storeId` of their store ' +
        'and sees only the carriers carrying its deliveries, only its delivery ids, and no trail.',
      query: positionsQuery,
      responses: { 200: 'the positions: `{ items }`' },
      access: ['admin', 'staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const q = parseOrThrow(positionsQuery, req.query, 'query');
      if (!isHeadOffice(p)) {
        if (p.kind !== 'user' || p.role !== 'STORE_MANAGER')
          throw new ForbiddenError('drivers’ positions are for head office and store managers');
        if (!q.storeId) throw new ForbiddenError('a store manager asks with ?storeId= of their store');
        assertStoreAccess(req, q.storeId);
      }
      res.json({ items: await repo.positions(db, q.storeId ?? null, !isHeadOffice(p)) });
    },
  );
  return r;
}
