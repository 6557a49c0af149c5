import { Router } from 'express';
import { z } from 'zod';
import { ForbiddenError, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { principalOf, requireRole } from '../kernel/access.js';
import type { Db } from '../db/db.js';
import { IncidentDesk } from './incidents.js';

const listQuery = z
  .object({
    state: z.enum(['OPEN', 'RESOLVED']).optional(),
    after: uuidSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
const incidentParams = z.object({ id: uuidSchema });
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
 * The workflows layer's routes, ADMIN only. `GET /api/workflows/incidents?state=OPEN|RESOLVED&after=&limit=`: a
 * page of incidents, newest first, each with a sentence saying what happened, and `next` (the `after` of the next
 * page). `POST /api/workflows/incidents/:id/resolve {note}`: resolves it once (who and when recorded); 409 after.
 */
export function workflowRoutes(db: Db, now: () => number): Router {
  const desk = new IncidentDesk(db, now);
  const r = Router();
  r.get('/workflows/incidents', requireRole('ADMIN'), async (req, res) => {
    const q = parseOrThrow(listQuery, req.query, 'query');
    res.json(await desk.list({ state: q.state ?? null, after: q.after ?? null, limit: q.limit }));
  });
  r.post('/workflows/incidents/:id/resolve', requireRole('ADMIN'), async (req, res) => {
    const { id } = parseOrThrow(incidentParams, req.params, 'incident id');
    const { note } = parseOrThrow(resolveBody, req.body ?? {}, 'resolution');
    const p = principalOf(req);
    if (p.kind !== 'user') throw new ForbiddenError('only a person resolves an incident');
    res.json(await desk.resolve(id, p.userId, note));
  });
  return r;
}
