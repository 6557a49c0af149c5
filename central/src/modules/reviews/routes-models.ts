import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, parseOrThrow } from '@storefleet/shared';
import { requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { ReviewsParts } from './index.js';

const emptyBody = z.strictObject({}).optional();
const noQuery = z.strictObject({});

/** Lane C's routes (see access-matrix.ts for each path and who may call it): the text model's versions, a retrain. */
export function modelRoutes(parts: ReviewsParts, _ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');
  r.get(
    '/reviews/models',
    apiDoc({
      summary: 'Read the text model’s versions and figures',
      query: noQuery,
      responses: { 200: 'the model’s status' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json(await parts.models.status());
    },
  );
  r.post(
    '/reviews/models/train',
    apiDoc({
      summary: 'Retrain the text model now',
      body: emptyBody,
      responses: { 202: '`{ jobId }`: the training job' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(emptyBody, req.body, 'training request');
      res.status(202).json({ jobId: await parts.models.trainNow() });
    },
  );
  return r;
}
