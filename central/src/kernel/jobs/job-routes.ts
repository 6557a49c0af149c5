import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow, uuidSchema, apiDoc } from '@storefleet/shared';
import { requireRole } from '../access.js';
import type { JobRepository } from './job-repository.js';

const JOB_NAME = /^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9.-]*$/;
const listQuery = z
  .object({
    name: z.string().max(200).regex(JOB_NAME, 'must be a job name such as reservations.expire-holds').optional(),
    state: z.enum(['QUEUED', 'RUNNING', 'DONE', 'FAILED']).optional(),
    before: uuidSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
const runParams = z.object({ id: uuidSchema });

/**
 * The job runner's admin read API, ADMIN only. `GET /api/jobs?name=&state=&before=&limit=`: every schedule (period,
 * jitter, next run, its latest run) and a page of runs, newest first, each with state, progress, attempts and last
 * error; `next` is the `before` of the next page. `GET /api/jobs/:id`: one run.
 */
export function jobRoutes(repo: JobRepository): Router {
  const r = Router();
  r.get(
    '/jobs',
    apiDoc({
      summary: 'The job runner: every schedule and a page of runs, newest first',
      tags: ['jobs'],
      query: listQuery,
      responses: { 200: 'Schedules and runs' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const [schedules, last, runs] = await Promise.all([
        repo.schedules(),
        repo.lastOfSchedules(),
        repo.recent({ name: q.name, state: q.state, before: q.before, limit: q.limit }),
      ]);
      res.json({
        schedules: schedules.map((s) => ({ ...s, lastRun: last.get(s.name) ?? null })),
        runs,
        next: runs.length === q.limit ? runs.at(-1)!.id : null,
      });
    },
  );
  r.get(
    '/jobs/:id',
    apiDoc({
      summary: 'One job run: state, progress, attempts, last error',
      tags: ['jobs'],
      params: runParams,
      responses: { 200: 'The run' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(runParams, req.params, 'job run id');
      const run = await repo.get(id);
      if (!run) throw new NotFoundError('job run', id);
      res.json(run);
    },
  );
  return r;
}
