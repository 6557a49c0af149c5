import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, TAG_QUERY_LIMITS } from '@storefleet/shared';
import type { TagFilter } from './tag-filter.js';
import { storeApiDoc } from '../api-doc.js';

const tagId = z.coerce.number().int().min(1).max(2_147_483_647);
const productsQuery = z.object({
  // Longer than the language allows is refused by the parser with its own words; past twice that, by the schema.
  q: z
    .string()
    .max(TAG_QUERY_LIMITS.maxLength * 2)
    .optional(),
  tag: z.union([tagId, z.array(tagId).max(16)]).optional(),
  after: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(24),
});

/**
 * The store's tags, for the kiosk and the handheld (and the lane and manager screens), answered from the store's copy
 * so they work with the hub unreachable:
 *  - `GET /api/tags`: every live tag with this store's products carrying it (or a descendant), and the copy's sync;
 *  - `GET /api/tags/products?q=&tag=&after=&limit=`: the products matching a tag query and every chosen tag, a page
 *    at a time, with facet counts; a query that does not parse is a 422 saying where.
 */
export function tagsRoutes(filter: TagFilter): Router {
  const r = Router();
  r.get(
    '/tags',
    storeApiDoc({
      audience: 'screens',
      tag: 'Tags',
      summary: 'The tag tree with this store’s product counts',
      description:
        'Every live tag with how many of this store’s products carry it (or a descendant), and how current the store’s copy is; offline too.',
      responses: {
        200: '{ tags, version, sync, current }: each tag with its product count here, and whether the counts are current',
      },
    }),
    async (_req, res) => {
      res.json(await filter.list());
    },
  );
  r.get(
    '/tags/products',
    storeApiDoc({
      audience: 'screens',
      tag: 'Tags',
      summary: 'Products by tag query and chosen tags',
      description:
        'Products matching the tag query `q` and every chosen `tag`, a page at a time (`after`), with facet counts; a query that does not parse is a 422 saying where.',
      query: productsQuery,
      responses: {
        200: '{ query, total, items, next, facets }: the query as read, a page of products, `next` for the following page (null on the last) and the chosen tag’s children with counts',
      },
    }),
    async (req, res) => {
      const q = parseOrThrow(productsQuery, req.query, 'query');
      const tagIds = q.tag === undefined ? [] : Array.isArray(q.tag) ? q.tag : [q.tag];
      res.json(await filter.products({ q: q.q, tagIds, after: q.after, limit: q.limit }));
    },
  );
  return r;
}
