import { Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  decimalCountParam,
  ociNameSchema,
  ociTagSchema,
  parseOrThrow,
  registryReleaseSchema,
  uuidSchema,
} from '@storefleet/shared';
import { assertStoreAccess, requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { principalKey } from '../../kernel/principal.js';
import type { RegistryParts } from './index.js';

const announceSchema = z.strictObject({
  repository: ociNameSchema,
  tag: ociTagSchema,
  track: registryReleaseSchema.shape.track.optional(),
  note: z.string().max(500).optional(),
  storeIds: z.array(uuidSchema).min(1).max(10_000).optional(),
});
const idParam = z.object({ id: uuidSchema });
const storeParam = z.object({ storeId: uuidSchema });
const listQuery = z.strictObject({
  limit: decimalCountParam(1, 200, 'releases').optional(),
  track: registryReleaseSchema.shape.track.optional(),
  /** The page before's last `announcedAt` and `id`, as `<ms>.<id>` (the `next` of the answer). */
  before: z
    .string()
    .regex(/^[0-9]{1,16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'the next a page gave')
    .optional(),
});
const storesQuery = z.strictObject({
  limit: decimalCountParam(1, 1_000, 'stores').optional(),
  after: uuidSchema.optional(),
});

/**
 * Releases (lane: releases): announce, withdraw, list, and which store runs which. Head office only, except a store's
 * own list (`/stores/:storeId/releases`), which the store's node and people read too.
 */
export function releaseRoutes(parts: RegistryParts, _ctx: HubContext): Router {
  const r = Router();
  const releases = parts.releases;
  r.post(
    '/registry/releases',
    apiDoc({
      summary: 'Announce a release to stores',
      description: 'A tag of a repository on a track, to every store or to `storeIds`.',
      body: announceSchema,
      responses: { 201: 'the release' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const body = parseOrThrow(announceSchema, req.body, 'release');
      const by = principalKey(req.principal, { address: req.ip ?? '', route: 'POST /registry/releases' });
      res.status(201).json(await releases.announce(body, by));
    },
  );
  r.get(
    '/registry/releases',
    apiDoc({
      summary: 'List releases, newest first',
      query: listQuery,
      responses: { 200: '`{ items, next }`' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const limit = q.limit ?? 50;
      const [at, id] = q.before?.split('.') ?? [];
      const before = at && id ? { at: Number(at), id } : null;
      const items = await releases.list(limit, before, q.track ?? null);
      const last = items.at(-1);
      res.json({ items, next: items.length === limit && last ? `${last.announcedAt}.${last.id}` : null });
    },
  );
  r.post(
    '/registry/releases/:id/withdraw',
    apiDoc({
      summary: 'Withdraw a release',
      params: idParam,
      responses: { 200: 'the release, withdrawn' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'release id');
      res.json(await releases.withdraw(id));
    },
  );
  r.get(
    '/registry/releases/:id/stores',
    apiDoc({
      summary: 'List which stores run a release',
      params: idParam,
      query: storesQuery,
      responses: { 200: '`{ items, next }`' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'release id');
      const q = parseOrThrow(storesQuery, req.query, 'query');
      const limit = q.limit ?? 100;
      const items = await releases.stores(id, q.after ?? null, limit);
      res.json({ items, next: items.length === limit ? items.at(-1)!.storeId : null });
    },
  );
  r.get(
    '/registry/stores/:storeId/releases',
    apiDoc({
      summary: 'Read the releases a store should run',
      description: 'With what the store reported running. The store’s own people and node, and head office.',
      params: storeParam,
      responses: { 200: '`{ storeId, tracks }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId } = parseOrThrow(storeParam, req.params, 'store id');
      assertStoreAccess(req, storeId);
      res.json({ storeId, tracks: await releases.forStore(storeId) });
    },
  );
  return r;
}
