import { Router } from 'express';
import type { HubContext } from '../../kernel/module-contract.js';
import type { ReviewsParts } from './index.js';

/** Lane C's routes (see access-matrix.ts for each path and who may call it). */
export function modelRoutes(_parts: ReviewsParts, _ctx: HubContext): Router {
  return Router();
}
