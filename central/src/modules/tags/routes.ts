import { Router } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  NotFoundError,
  parseOrThrow,
  skuSchema,
  TAG_KINDS,
  TAG_QUERY_LIMITS,
  tagPathSchema,
} from '@storefleet/shared';
import { principalOf, requireAuth, requireRole } from '../../kernel/access.js';
import type { TagsService } from './service.js';
import { SearchUnavailableError } from './tag-search.js';

const tagId = z.number().int().min(1).max(2_147_483_647);
// the slug's rules (pattern, not an operator word) are the service's, answered 422
const slug = z.string().max(64);
// a name's characters (no control, format, private-use characters or lone surrogates) are the service's, answered 422
const name = z.string().trim().min(1).max(120);
const newTagSchema = z.strictObject({
  slug,
  name,
  kind: z.enum(TAG_KINDS),
  parentId: tagId.nullable(),
});
const patchSchema = z.strictObject({
  slug: slug.optional(),
  name: name.optional(),
  kind: z.enum(TAG_KINDS).optional(),
  parentId: tagId.nullable().optional(),
});
const replaceSchema = z.strictObject({ tagIds: z.array(tagId).max(500) });
const changeSchema = z.strictObject({
  action: z.enum(['ADD', 'REMOVE', 'REPLACE']),
  tagIds: z.array(tagId).max(100),
  skus: z.array(skuSchema).min(1).max(1_000),
});
const searchQuery = z.strictObject({
  q: z.string().max(TAG_QUERY_LIMITS.maxLength * 4),
  after: z
    .string()
    .regex(/^\d{1,10}$/, 'the `next` of the previous page')
    .transform(Number)
    .pipe(z.number().max(2_147_483_647, 'the `next` of the previous page'))
    .optional(),
  // decimal digits only (z.coerce would read 0x10 or 1e2)
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'a number of products from 1 to 500, in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(1, 'at least 1 product a page').max(500, 'at most 500 products a page'))
    .optional(),
  facets: tagPathSchema.optional(),
});

/** A tag id from the path: a positive integer, else the tag is missing (404), never a 400 or 500. */
function idOf(raw: unknown): number {
  if (typeof raw !== 'string') throw new NotFoundError('tag', '?');
  const n = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > 2_147_483_647) throw new NotFoundError('tag', raw.slice(0, 40));
  return n;
}

/** The tree, product tags and search routes (lane A): anyone signed in reads; head office (ADMIN) writes. */
export function tagsRoutes(service: TagsService): Router {
  const r = Router();
  const admin = requireRole('ADMIN');

  r.get(
    '/tags',
    apiDoc({
      summary: 'Read the tag tree with product counts',
      description: 'The same taxonomy for every store.',
      responses: { 200: 'the tree' },
      access: ['staff'],
    }),
    requireAuth,
    async (_req, res) => {
      res.json(await service.list());
    },
  );
  r.post(
    '/tags',
    apiDoc({
      summary: 'Add a tag',
      description:
        'Head office’s catalog team shapes the tree. A slug or name the rules refuse is a 422; a taken slug a 409.',
      body: newTagSchema,
      responses: { 201: 'the tag' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      res.status(201).json(await service.create(parseOrThrow(newTagSchema, req.body, 'tag')));
    },
  );

  r.get(
    '/tags/search',
    apiDoc({
      summary: 'Search products by a tag query',
      description:
        'Over every store’s catalog (no stock or prices), with facets on request. While this hub’s index is not ready it answers 503 with `Retry-After`.',
      query: searchQuery,
      responses: { 200: 'a page of matching products, with `next`' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const q = parseOrThrow(searchQuery, req.query, 'query');
      const p = principalOf(req);
      const caller = p.kind === 'user' ? `user:${p.userId}` : `store:${p.storeId}`;
      try {
        res.json(await service.search({ ...q, limit: q.limit ?? 50, caller }));
      } catch (err) {
        if (err instanceof SearchUnavailableError) res.set('Retry-After', String(err.retryAfterSeconds));
        throw err;
      }
    },
  );
  r.get(
    '/tags/index',
    apiDoc({
      summary: 'Read the search index’s state',
      description: 'Its state, size and last error.',
      responses: { 200: 'the index’s status' },
      access: ['admin'],
    }),
    admin,
    (_req, res) => {
      res.json(service.indexStatus());
    },
  );
  r.post(
    '/tags/index/rebuild',
    apiDoc({
      summary: 'Rebuild this hub’s search index',
      description: 'Built beside the old one, which answers until the new one is ready.',
      responses: { 202: 'the index’s status' },
      access: ['admin'],
    }),
    admin,
    (_req, res) => {
      service.rebuildIndex();
      res.status(202).json(service.indexStatus());
    },
  );

  r.get(
    '/tags/products/:sku',
    apiDoc({
      summary: 'Read a product’s tags',
      description: 'With the ancestors they imply.',
      responses: { 200: 'the product’s tags' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const sku = parseOrThrow(skuSchema, req.params.sku, 'sku');
      res.json(await service.productTags(sku));
    },
  );
  r.put(
    '/tags/products/:sku',
    apiDoc({
      summary: 'Replace a product’s tags',
      body: replaceSchema,
      responses: { 200: 'the product’s tags' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const sku = parseOrThrow(skuSchema, req.params.sku, 'sku');
      const body = parseOrThrow(replaceSchema, req.body, 'product tags');
      res.json(await service.replaceProductTags(sku, body.tagIds));
    },
  );
  r.post(
    '/tags/products',
    apiDoc({
      summary: 'Add, remove or replace tags on up to 1,000 products',
      description: 'More products go through a bulk job (`POST /tags/bulk-jobs`).',
      body: changeSchema,
      responses: { 200: 'what changed' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const body = parseOrThrow(changeSchema, req.body, 'product tags change');
      res.json(await service.changeProducts(body.skus, { action: body.action, tagIds: body.tagIds }));
    },
  );

  r.get(
    '/tags/:id',
    apiDoc({
      summary: 'Read a tag with its children',
      responses: { 200: 'the tag' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      res.json(await service.get(idOf(req.params.id)));
    },
  );
  r.patch(
    '/tags/:id',
    apiDoc({
      summary: 'Rename a tag or move its subtree',
      body: patchSchema,
      responses: { 200: 'the tag' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const id = idOf(req.params.id);
      res.json(await service.update(id, parseOrThrow(patchSchema, req.body, 'tag change')));
    },
  );
  r.delete(
    '/tags/:id',
    apiDoc({
      summary: 'Delete a tag',
      responses: { 204: 'deleted' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      await service.remove(idOf(req.params.id));
      res.status(204).end();
    },
  );
  return r;
}
