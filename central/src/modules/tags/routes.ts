import { Router } from 'express';
import type { TagsService } from './service.js';

/** The tree, product tags and search routes (lane A). */
export function tagsRoutes(_service: TagsService): Router {
  return Router();
}
