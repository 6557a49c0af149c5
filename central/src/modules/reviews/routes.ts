import { Router } from 'express';
import type { HubContext } from '../../kernel/module-contract.js';
import type { ReviewsParts } from './index.js';
import { engagementRoutes } from './routes-engagement.js';
import { modelRoutes } from './routes-models.js';
import { moderationRoutes } from './routes-moderation.js';
import { reviewRoutes } from './routes-reviews.js';
import { storeRoutes } from './routes-store.js';

/** Every route of the module (who may call each: access-matrix.ts). Fixed paths before `/reviews/:id`. */
export function reviewsRoutes(parts: ReviewsParts, ctx: HubContext): Router {
  const r = Router();
  r.use(storeRoutes(parts, ctx));
  r.use(moderationRoutes(parts, ctx));
  r.use(modelRoutes(parts, ctx));
  r.use(engagementRoutes(parts, ctx));
  r.use(reviewRoutes(parts, ctx));
  return r;
}
