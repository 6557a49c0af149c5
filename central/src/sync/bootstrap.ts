import { Router } from 'express';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, parseOrThrow, apiDoc } from '@storefleet/shared';
import type { Db } from '../db/db.js';
import { principalOf } from '../kernel/access.js';
import type { SnapshotSource } from '../kernel/module-contract.js';

export const HISTORY_DAYS = 7;

/**
 * The store's own events the hub holds from the last seven days, by seq. Repeats (a restored store file's events the
 * hub already held under another seq, `repeat_of` set, no payload) are left out: the event they repeat is the one held.
 */
export function historySource(now: () => number): SnapshotSource {
  const since = () => now() - HISTORY_DAYS * 86_400_000;
  return {
    async count(q, storeId) {
      const { rows } = await q.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sync_events WHERE origin = $1 AND received_at >= $2 AND repeat_of IS NULL',
        [storeId, since()],
      );
      return rows[0]!.n;
    },
    async page(q, storeId, after, limit) {
      const { rows } = await q.query<{ seq: number; hlc: string; type: string; payload: unknown; received_at: number }>(
        `SELECT seq, hlc, type, payload, received_at FROM sync_events
         WHERE origin = $1 AND received_at >= $2 AND repeat_of IS NULL AND seq > $3 ORDER BY seq LIMIT $4`,
        [storeId, since(), Number(after ?? 0), limit],
      );
      return { rows, next: rows.length === limit ? String(rows.at(-1)!.seq) : null };
    },
  };
}

const pageQuery = z.object({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(5000),
});

/** `GET /api/sync/bootstrap` (sections and their sizes) and `…/:section` pages; for store tokens only. */
export function bootstrapRoutes(db: Db, sources: ReadonlyMap<string, SnapshotSource>): Router {
  const storeOf = (req: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(req);
    if (p.kind !== 'store') throw new ForbiddenError('bootstrap is for store nodes (use a store token)');
    return p.storeId;
  };
  const r = Router();
  r.get(
    '/sync/bootstrap',
    apiDoc({
      summary: 'A new or restored store’s first download: the sections and their sizes',
      tags: ['sync'],
      responses: { 200: 'Sections with their totals' },
      access: ['store'],
    }),
    async (req, res) => {
      const storeId = storeOf(req);
      const sections = [];
      for (const [name, source] of sources) sections.push({ name, total: await source.count(db, storeId) });
      res.json({ sections });
    },
  );
  r.get(
    '/sync/bootstrap/:section',
    apiDoc({
      summary: 'A page of one bootstrap section for the calling store',
      tags: ['sync'],
      query: pageQuery,
      responses: { 200: 'A page of rows and where to continue' },
      access: ['store'],
    }),
    async (req, res) => {
      const storeId = storeOf(req);
      const source = sources.get(String(req.params.section));
      if (!source) throw new NotFoundError('bootstrap section', String(req.params.section));
      const q = parseOrThrow(pageQuery, req.query, 'query');
      res.json(await source.page(db, storeId, q.after ?? null, q.limit));
    },
  );
  return r;
}
