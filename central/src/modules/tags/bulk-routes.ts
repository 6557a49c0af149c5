import { Router } from 'express';
import type { TagBulkJobs } from './bulk.js';

/** The bulk job routes (lane B). */
export function bulkRoutes(_bulk: TagBulkJobs): Router {
  return Router();
}
