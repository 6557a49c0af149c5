import { Router } from 'express';
import { z } from 'zod';
import { apiDoc, NotFoundError, OCI_NAME, parseOrThrow } from '@storefleet/shared';
import { requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { ConsoleRepository } from './console-repository.js';
import type { RegistryParts } from './index.js';
import { SEVERITIES } from './types.js';

const listQuery = z.strictObject({
  q: z.string().max(255).optional(),
  after: z.string().max(255).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'a number of repositories from 1 to 500, in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .optional(),
});
const patchSchema = z
  .strictObject({
    quotaBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    blockSeverity: z
      .enum(SEVERITIES as [string, ...string[]])
      .nullable()
      .optional(),
  })
  .refine((b) => b.quotaBytes !== undefined || b.blockSeverity !== undefined, 'quotaBytes or blockSeverity');
const TAGS_SHOWN = 500;

/** A repository name from the path (URL-encoded, `releases%2Fapp`): one the spec allows, else it is missing (404). */
function nameOf(raw: unknown): string {
  const name = typeof raw === 'string' ? raw : '';
  if (name.length > 255 || !OCI_NAME.test(name)) throw new NotFoundError('repository', name.slice(0, 80) || '?');
  return name;
}

/**
 * The console's JSON routes (lane: mirror-console), all head office's (ADMIN): repositories with sizes (`?q=` a name
 * prefix, paged by `?after=<last name>&limit=`), one repository's tags with their sizes and scans, a repository's
 * quota and pull-blocking policy, what deduplication saves, and the mirror's progress (GC runs and scans:
 * gc-scan-routes.ts).
 */
export function consoleRoutes(parts: RegistryParts, ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');
  const sql = new ConsoleRepository(ctx.db);

  r.get(
    '/registry/repositories',
    apiDoc({
      summary: 'List repositories with their sizes',
      description: '`q` filters by name; `next` is the name to page `after`.',
      query: listQuery,
      responses: { 200: '`{ items, next }`' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const limit = q.limit ?? 100;
      const rows = await sql.list(q.q ?? '', q.after ?? null, limit + 1);
      const items = rows.slice(0, limit);
      res.json({ items, next: rows.length > limit ? items.at(-1)!.name : null });
    },
  );

  r.get(
    '/registry/repositories/:name',
    apiDoc({
      summary: 'Read a repository’s summary and tags',
      description: 'The name URL-encoded (`releases%2Fapp`); a name the OCI spec does not allow is missing (404).',
      responses: { 200: 'the repository with `tagList`' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const name = nameOf(req.params.name);
      const summary = await sql.get(name);
      if (!summary) throw new NotFoundError('repository', name);
      res.json({ ...summary, tagList: await sql.tags(name, TAGS_SHOWN) });
    },
  );

  r.patch(
    '/registry/repositories/:name',
    apiDoc({
      summary: 'Set a repository’s quota and pull-blocking policy',
      description:
        '`blockSeverity` refuses pulls of manifests whose scan found that severity or worse; null clears either setting.',
      body: patchSchema,
      responses: { 200: 'the repository' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      const name = nameOf(req.params.name);
      const change = parseOrThrow(patchSchema, req.body, 'repository settings');
      const updated = await sql.updateSettings(
        name,
        {
          ...(change.quotaBytes !== undefined ? { quotaBytes: change.quotaBytes } : {}),
          ...(change.blockSeverity !== undefined
            ? { blockSeverity: change.blockSeverity as (typeof SEVERITIES)[number] | null }
            : {}),
        },
        ctx.now(),
      );
      if (!updated) throw new NotFoundError('repository', name);
      res.json(await sql.get(name));
    },
  );

  r.get(
    '/registry/stats',
    apiDoc({
      summary: 'Read the registry’s figures',
      description: 'Bytes stored, bytes pushed and what deduplication saved.',
      responses: { 200: 'the figures' },
      access: ['admin'],
    }),
    admin,
    async (_req, res) => {
      res.json(await sql.stats());
    },
  );

  r.get(
    '/registry/mirror',
    apiDoc({
      summary: 'Read the mirror’s progress',
      description: 'On a hub with REGISTRY_MIRROR_OF: the source, the recent runs, the tags copied and the bytes.',
      responses: { 200: 'the mirror’s state' },
      access: ['admin'],
    }),
    admin,
    async (_req, res) => {
      const m = ctx.settings.registry.mirror;
      const repo = parts.mirror.repository;
      const [runs, tags, bytesCopied] = await Promise.all([repo.runs(20), repo.tags(500), repo.totalBytes()]);
      res.json({
        configured: m !== null,
        // the source and who the mirror signs in as; never the secret
        source: m ? { url: m.url, username: m.username, repositories: m.repositories } : null,
        everyMs: ctx.settings.tuning.registryMirrorEveryMs,
        running: runs.some((x) => x.state === 'RUNNING'),
        bytesCopied,
        runs,
        tags,
      });
    },
  );

  r.post(
    '/registry/mirror/runs',
    apiDoc({
      summary: 'Pull what is new from the mirror’s source now',
      description: 'A hub that mirrors nothing answers 409.',
      responses: { 202: '`{ id, state: "RUNNING" }`', 409: 'this hub mirrors nothing' },
      access: ['admin'],
    }),
    admin,
    async (_req, res) => {
      const id = await parts.mirror.runNow();
      res.status(202).json({ id, state: 'RUNNING' });
    },
  );

  return r;
}
