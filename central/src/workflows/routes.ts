import { Router } from 'express';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, parseOrThrow, uuidSchema, apiDoc } from '@storefleet/shared';
import { assertOwner, isHeadOffice, principalOf, requireRole, storeOf } from '../kernel/access.js';
import type { Db } from '../db/db.js';
import { storesOf, type OrderFlows } from '../modules/orders/index.js';
import { IncidentDesk } from './incidents.js';
import { addReplayRoutes } from './replay/replay-job.js';

const listQuery = z
  .object({
    state: z.enum(['OPEN', 'RESOLVED']).optional(),
    after: uuidSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
const incidentParams = z.object({ id: uuidSchema });
const orderParams = z.object({ id: uuidSchema });
/** Nothing to say: the whole amount is refunded (an empty body, or none). */
const refundBody = z.strictObject({}).optional();
const resolveBody = z
  .object({
    note: z
      .string()
      .trim()
      .min(1, 'say what was done (a note is required)')
      .max(2000)
      .refine((s) => !s.includes('\u0000'), 'text may not contain U+0000'),
  })
  .strict();

/**
 * The workflows layer's routes, for head office (ADMIN) and a store's manager (their own store's incidents only).
 * `GET /api/workflows/incidents?state=OPEN|RESOLVED&after=&limit=`: a page of incidents, newest first, each with a
 * sentence saying what happened, and `next` (the `after` of the next page). `POST /api/workflows/incidents/:id/resolve
 * {note}`: resolves it once (who and when recorded); 409 after. Another store's incident is, to a manager, missing.
 * `POST /api/orders/:id/refund`: refunds a picked-up order's payment in full, once (head office, or a manager of a
 * store the order belongs to; to another store it is missing); 409 when it is not picked up and paid, or was refunded.
 */
export function workflowRoutes(
  db: Db,
  now: () => number,
  orders: () => OrderFlows | undefined = () => undefined,
): Router {
  const desk = new IncidentDesk(db, now);
  const r = Router();
  r.get(
    '/workflows/incidents',
    apiDoc({
      summary: 'Incidents the order flows could not settle on their own (a manager: their store’s)',
      tags: ['workflows'],
      query: listQuery,
      responses: { 200: 'A page of incidents' },
      access: ['admin', 'staff'],
    }),
    requireRole('ADMIN', 'STORE_MANAGER'),
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const p = principalOf(req);
      // head office sees every incident; a manager only their store's (one of no store, e.g. a refused notice, is not)
      const storeId = isHeadOffice(p) ? null : storeOf(p);
      if (!isHeadOffice(p) && !storeId) return void res.json({ items: [], next: null });
      res.json(await desk.list({ state: q.state ?? null, after: q.after ?? null, limit: q.limit, storeId }));
    },
  );
  r.post(
    '/workflows/incidents/:id/resolve',
    apiDoc({
      summary: 'Mark an incident resolved, saying what was done',
      tags: ['workflows'],
      params: incidentParams,
      body: resolveBody,
      responses: { 200: 'The incident', 409: 'already resolved' },
      access: ['admin', 'staff'],
    }),
    requireRole('ADMIN', 'STORE_MANAGER'),
    async (req, res) => {
      const { id } = parseOrThrow(incidentParams, req.params, 'incident id');
      const { note } = parseOrThrow(resolveBody, req.body ?? {}, 'resolution');
      const p = principalOf(req);
      if (p.kind !== 'user') throw new ForbiddenError('only a person resolves an incident');
      if (!isHeadOffice(p)) {
        const store = await desk.storeOf(id);
        if (store === undefined) throw new NotFoundError('incident', id);
        assertOwner(req, [store], { entity: 'incident', id });
      }
      res.json(await desk.resolve(id, p.userId, note));
    },
  );
  r.post(
    '/orders/:id/refund',
    apiDoc({
      summary: 'Refund a cancelled or failed order in full',
      tags: ['workflows'],
      params: orderParams,
      body: refundBody,
      responses: { 200: 'The order with its refund', 409: 'nothing to refund (not paid, or refunded already)' },
      access: ['admin', 'staff'],
    }),
    requireRole('ADMIN', 'STORE_MANAGER'),
    async (req, res) => {
      const { id } = parseOrThrow(orderParams, req.params, 'order id');
      parseOrThrow(refundBody, req.body, 'refund');
      const flows = orders();
      const seen = flows && (await flows.get(db, id));
      if (!flows || !seen) throw new NotFoundError('order', id);
      const p = assertOwner(req, storesOf(seen), { entity: 'order', id });
      const refunded = await flows.refund(db, id, p.kind === 'user' ? p.userId : null);
      if (!refunded) throw new NotFoundError('order', id);
      res.json(refunded);
    },
  );
  // issue #27: the replay check (replay/replay-job.ts), ADMIN, as a job
  addReplayRoutes(r, db);
  return r;
}
