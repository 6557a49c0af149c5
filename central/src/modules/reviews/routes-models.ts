import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import { requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { ReviewsParts } from './index.js';

const emptyBody = z.strictObject({}).optional();
const noQuery = z.strictObject({});

/** Lane C's routes (see access-matrix.ts for each path and who may call it): the text model's versions, a retrain. */
export function modelRoutes(parts: ReviewsParts, _ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');
  r.get('/reviews/models', admin, async (req, res) => {
    parseOrThrow(noQuery, req.query, 'query');
    res.json(await parts.models.status());
  });
  r.post('/reviews/models/train', admin, async (req, res) => {
    parseOrThrow(emptyBody, req.body, 'training request');
    res.status(202).json({ jobId: await parts.models.trainNow() });
  });
  return r;
}
