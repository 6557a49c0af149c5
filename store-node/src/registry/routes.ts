import { Router } from 'express';
import type { StoreReleases } from './store-releases.js';

/** `GET /api/registry/releases`: the releases this store was told of, where the node is with each, what it runs. */
export function storeReleaseRoutes(releases: StoreReleases): Router {
  const r = Router();
  r.get('/registry/releases', (_req, res) => {
    res.json(releases.list());
  });
  return r;
}
