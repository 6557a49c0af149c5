import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';

/** The daily sweep of what recommendations keep: impressions (the A/B test) and interactions (training). */
export const RETENTION_JOB = 'recommendations.retention';
const DAY_MS = 24 * 3_600_000;
/** Impressions are kept this long: the A/B test reads counters, not rows, and a click counts within a day. */
export const IMPRESSIONS_KEPT_MS = 90 * DAY_MS;
/** Interactions are kept this long: more than a year of seasons for training. */
export const INTERACTIONS_KEPT_MS = 400 * DAY_MS;
/** Rows one statement deletes at most, so a sweep never holds a long transaction or a lock on the whole table. */
export const RETENTION_BATCH = 5_000;

/**
 * Deletes impressions older than 90 days and interactions older than 400 days at `now`, a batch at a time, until none
 * is left or `signal` aborts; returns how many rows went.
 */
export async function sweepRecsRetention(
  q: Queryable,
  now: number,
  signal?: AbortSignal,
): Promise<{ impressions: number; interactions: number }> {
  const done = { impressions: 0, interactions: 0 };
  const sweeps: [keyof typeof done, string, number][] = [
    ['impressions', 'recs_impressions', now - IMPRESSIONS_KEPT_MS],
    ['interactions', 'recs_interactions', now - INTERACTIONS_KEPT_MS],
  ];
  for (const [key, table, before] of sweeps) {
    for (;;) {
      signal?.throwIfAborted();
      const { rowCount } = await q.query(
        `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE at < $1 LIMIT $2)`,
        [before, RETENTION_BATCH],
      );
      done[key] += rowCount;
      if (rowCount < RETENTION_BATCH) break;
    }
  }
  return done;
}

/** Defines and schedules the daily sweep (one run a day across the hub's processes). */
export async function startRecsRetention(ctx: HubContext): Promise<void> {
  ctx.jobs.define({
    name: RETENTION_JOB,
    maxAttempts: 3,
    timeoutMs: 3_600_000,
    run: async (job) => {
      const swept = await sweepRecsRetention(ctx.db, ctx.now(), job.signal);
      if (swept.impressions + swept.interactions > 0) ctx.log.info(swept, 'recommendations: old rows swept');
    },
  });
  await ctx.jobs.schedule(RETENTION_JOB, { everyMs: DAY_MS, jitter: 0.1 });
}
