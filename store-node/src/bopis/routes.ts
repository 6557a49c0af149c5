import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { BopisService } from './bopis-service.js';

const idParam = z.object({ id: z.string().min(8).max(64) });

export function bopisRoutes(bopis: BopisService): Router {
  const r = Router();
  r.get('/bopis/pickups', (req, res) => {
    const q = parseOrThrow(
      z.object({
        q: z.string().trim().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      req.query,
      'query',
    );
    res.json({ items: bopis.search(q.q, q.limit) });
  });
  r.post('/bopis/pickups/verify', (req, res) => {
    const { code } = parseOrThrow(z.strictObject({ code: z.string().min(10).max(4096) }), req.body, 'pickup code');
    res.json(bopis.verify(code));
  });
  r.post('/bopis/pickups/:id/hand-over', (req, res) => {
    res.json(bopis.handOver(parseOrThrow(idParam, req.params, 'reservation id').id));
  });
  r.post('/bopis/pickups/:id/no-show', (req, res) => {
    res.json(bopis.noShow(parseOrThrow(idParam, req.params, 'reservation id').id));
  });
  return r;
}
