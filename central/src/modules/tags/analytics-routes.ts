import { Router } from 'express';
import type { TagAnalytics } from './analytics.js';

/** The analytics routes (lane C). */
export function analyticsRoutes(_analytics: TagAnalytics): Router {
  return Router();
}
