import { Router } from 'express';
import type { HubContext } from '../../kernel/module-contract.js';
import type { PricingParts } from './index.js';
import { booksRoutes } from './routes-books.js';
import { couponsRoutes } from './routes-coupons.js';
import { insightsRoutes } from './routes-insights.js';
import { scanGoRoutes } from './routes-scan-go.js';
import { storeRoutes } from './routes-store.js';

/** Every route of the module (who may call each: access-matrix.ts). */
export function pricingRoutes(parts: PricingParts, ctx: HubContext): Router {
  const r = Router();
  r.use(storeRoutes(parts, ctx));
  r.use(couponsRoutes(parts, ctx));
  r.use(scanGoRoutes(parts, ctx));
  r.use(insightsRoutes(parts, ctx));
  r.use(booksRoutes(parts, ctx));
  return r;
}
