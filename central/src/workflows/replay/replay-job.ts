import type { Router } from 'express';
import { z } from 'zod';
import { apiDoc, AppError, ConflictError, parseOrThrow } from '@storefleet/shared';
import type { Db, Queryable } from '../../db/db.js';
import { requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Services } from '../../kernel/ports.js';
import { ORDERS_REPLAY, STOCK_REPLAY, type ReplaySource } from '../../kernel/ports/replay.js';
import { RESERVATIONS } from '../../kernel/ports/reservations.js';
import { reservationsReplay } from './reservations-replay.js';
import { describeReplay, replayCheck, type ReplayOptions, type ReplayReport } from './replay-check.js';

/** The job the check runs as on the hub's job runner (`GET /api/jobs/:id` shows its progress and outcome). */
export const REPLAY_JOB = 'workflows.replay-check';
/** The ports the replay check reads, in the order it checks them (the workflows layer `uses` them). */
export const REPLAY_PORTS = [STOCK_REPLAY, ORDERS_REPLAY] as const;

/**
 * The replay sources of the modules this hub runs (a module absent is not checked): stock, holds, orders. The holds'
 * source is the hub's own (reservations-replay.ts: it reads the sync tables), checked when the reservations module runs.
 */
export function replaySources(services: Pick<Services, 'find'>): ReplaySource[] {
  return [
    ...(services.find(STOCK_REPLAY) ? [services.find(STOCK_REPLAY)!] : []),
    ...(services.find(RESERVATIONS) ? [reservationsReplay] : []),
    ...(services.find(ORDERS_REPLAY) ? [services.find(ORDERS_REPLAY)!] : []),
  ];
}

/** The last run's message fits the job's progress line (500 characters): the counts and the first differences. */
function summary(r: ReplayReport): string {
  const text = describeReplay(r).replaceAll('\n', '; ');
  return text.length <= 500 ? text : `${text.slice(0, 497)}…`;
}

/**
 * Enqueues a check on a hub's runner, one per database (the routes are handed the database only); while a check is
 * queued or running it makes none and returns that one (`created: false`): each check is a full scan.
 */
const runners = new WeakMap<Queryable, () => Promise<{ id: string; created: boolean }>>();

/**
 * Defines the replay check's job on the layer's runner: it runs the check with a progress line per page, logs the
 * outcome (a warning naming the first differences when there are any) and ends DONE with the summary as its last
 * progress message — a check that found differences did its work; the differences are the finding.
 */
export function defineReplayJob(ctx: HubContext): void {
  ctx.jobs.define({
    name: REPLAY_JOB,
    maxAttempts: 2,
    timeoutMs: 6 * 3_600_000,
    run: async (job) => {
      const report = await runReplay(ctx.db, replaySources(ctx.services), {
        signal: job.signal,
        onPage: (p) => job.progress(p.checked, null, `${p.kind}: ${p.checked} checked, ${p.differences} differences`),
      });
      if (report.differenceCount)
        ctx.log.warn(
          { differences: report.differences.slice(0, 10), differenceCount: report.differenceCount },
          'replay check: the live state differs from what the event log rebuilds',
        );
      else ctx.log.info({ checked: report.checked, tookMs: report.tookMs }, 'replay check: no differences');
      await job.progress(
        Object.values(report.checked).reduce((a, b) => a + b, 0),
        Object.values(report.checked).reduce((a, b) => a + b, 0),
        summary(report),
      );
    },
  });
  runners.set(ctx.db, async () => {
    const last = await ctx.db.query<{ id: string; state: string }>(
      'SELECT id, state FROM job_runs WHERE name = $1 ORDER BY seq DESC LIMIT 1',
      [REPLAY_JOB],
    );
    const run = last.rows[0];
    if (run && (run.state === 'QUEUED' || run.state === 'RUNNING')) return { id: run.id, created: false };
    // keyed by the run it follows: two asking at once (on any replica) after the same run make one run between them
    return ctx.jobs.enqueue(REPLAY_JOB, {}, { idempotencyKey: `after:${run?.id ?? 'none'}` });
  });
}

/** The check in-process (the CLI, the fleet bench): every source given, the report returned. */
export function runReplay(db: Queryable, sources: readonly ReplaySource[], options: ReplayOptions = {}) {
  return replayCheck(db, sources, options);
}

const checkBody = z.strictObject({}).optional();

/**
 * `POST /api/replay/check` (ADMIN): starts a replay check as a job and answers 202 `{jobId}`; `GET /api/jobs/:id`
 * follows it (progress per page; DONE with the summary, or FAILED with why). One at a time (review finding 10 of
 * #27: each POST queued another full scan): while one is queued or running the answer is 409 naming its job id
 * (`jobId`, `follow`), and nothing is queued.
 */
export function addReplayRoutes(r: Router, db: Db): void {
  r.post(
    '/replay/check',
    apiDoc({
      summary: 'Rebuilds stock, holds and orders from the event log and compares them with the live state (a job)',
      tags: ['workflows'],
      body: checkBody,
      responses: {
        202: 'The job started: follow it at /api/jobs/{jobId}',
        409: 'A check is already queued or running: the problem names its jobId',
      },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      parseOrThrow(checkBody, req.body, 'body');
      const enqueue = runners.get(db);
      if (!enqueue) throw new AppError('unavailable', 'this hub runs no job runner for the replay check');
      const { id, created } = await enqueue();
      if (!created)
        throw new ConflictError(
          `a replay check is already queued or running as job ${id}: follow it at /api/jobs/${id}, and ask again once it has ended`,
          { jobId: id, follow: `/api/jobs/${id}` },
        );
      res
        .status(202)
        .location(`/api/jobs/${id}`)
        .json({ jobId: id, follow: `/api/jobs/${id}` });
    },
  );
}
