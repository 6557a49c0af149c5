import { Router, type Response } from 'express';
import { apiDoc, AppError, parseOrThrow } from '@storefleet/shared';
import { z } from 'zod';
import { requireRole } from '../../kernel/access.js';
import type { TagAnalytics } from './analytics.js';

/** A whole number in a query string, within [min, max]. */
const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `at least ${min}`).max(max, `at most ${max}`));

/** The analytics lists: up to 200 (20 unless asked). */
const limitQuery = z.strictObject({ limit: count(1, 200).optional() });
/** Unused tags: up to 1,000 (200 unless asked). */
const unusedQuery = z.strictObject({ limit: count(1, 1_000).optional() });
const coOccurrenceQuery = z.strictObject({
  tag: z
    .string()
    .regex(/^\d{1,9}$/, "a tag's id (a whole number, as GET /api/tags lists them)")
    .transform(Number),
  limit: count(1, 200).optional(),
  /** true: list the tag's own ancestors and descendants too (left out by default: they co-occur by definition). */
  family: z.enum(['true', 'false'], { message: 'true or false' }).optional(),
});

/** A 503 carries Retry-After (the hub's error handler writes the problem body). */
async function answer(res: Response, figure: () => Promise<unknown>): Promise<void> {
  try {
    res.json(await figure());
  } catch (err) {
    if (err instanceof AppError && err.type === 'unavailable' && typeof err.extra.retryAfterSeconds === 'number')
      res.setHeader('Retry-After', String(err.extra.retryAfterSeconds));
    throw err;
  }
}

/**
 * The analytics routes (issue #20), head office only: most used, trending week over week, unused, co-occurrence.
 * Query strings are parsed strictly (an unknown parameter is a 400 naming it); the index-based figures answer 503
 * with Retry-After while the index is not READY.
 */
export function analyticsRoutes(analytics: TagAnalytics): Router {
  const r = Router();
  const admin = requireRole('ADMIN');

  r.get(
    '/tags/analytics/most-used',
    apiDoc({
      summary: 'Tags by products carrying them',
      description: 'From the search index; 503 with `Retry-After` while it is not ready.',
      query: limitQuery,
      responses: { 200: 'the tags with their counts' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(limitQuery, req.query, 'most-used query');
      await answer(res, () => analytics.mostUsed(q.limit ?? 20));
    },
  );

  r.get(
    '/tags/analytics/trending',
    apiDoc({
      summary: 'Tags trending week over week',
      description: 'Products given a tag and searches for it, every store’s counted together.',
      query: limitQuery,
      responses: { 200: 'the tags with their trend' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(limitQuery, req.query, 'trending query');
      await answer(res, () => analytics.trending(q.limit ?? 20));
    },
  );

  r.get(
    '/tags/analytics/unused',
    apiDoc({
      summary: 'Tags no product carries',
      description: 'For head office to tidy the tree; 503 with `Retry-After` while the index is not ready.',
      query: unusedQuery,
      responses: { 200: 'the unused tags' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(unusedQuery, req.query, 'unused query');
      await answer(res, () => analytics.unused(q.limit ?? 200));
    },
  );

  r.get(
    '/tags/analytics/co-occurrence',
    apiDoc({
      summary: 'Tags found together with a tag',
      description:
        'The tag’s own ancestors and descendants are left out unless `family=true`; 503 with `Retry-After` while the index is not ready.',
      query: coOccurrenceQuery,
      responses: { 200: 'the tags with how often they occur together' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(coOccurrenceQuery, req.query, 'co-occurrence query');
      await answer(res, () => analytics.coOccurrence(q.tag, q.limit ?? 20, q.family === 'true'));
    },
  );

  return r;
}
