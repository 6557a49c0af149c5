import { Router } from 'express';
import type { HubContext } from '../../kernel/module-contract.js';
import type { PricingParts } from './index.js';

/** CONTRACT STUB: the lane that owns this file writes its routes (who may call each: access-books.ts). */
export function booksRoutes(_parts: PricingParts, _ctx: HubContext): Router {
  return Router();
}
