import { Router } from 'express';
import type { StoreReleases } from './store-releases.js';
import { storeApiDoc } from '../api-doc.js';

/** `GET /api/registry/releases`: the releases this store was told of, where the node is with each, what it runs. */
export function storeReleaseRoutes(releases: StoreReleases): Router {
  const r = Router();
  r.get(
    '/registry/releases',
    storeApiDoc({
      audience: 'staff',
      tag: 'Releases',
      summary: 'The releases this store was told to run',
      description: 'From the feed: each release, where the node is with it (pulled, cached) and what it runs now.',
      responses: { 200: '{ releases, running }: each release with where the node is with it, and what runs' },
    }),
    (_req, res) => {
      res.json(releases.list());
    },
  );
  return r;
}
