import type { HubContext } from '../../kernel/module-contract.js';
import { EngagementRepository } from './engagement-repository.js';
import type { PhotoStore } from './photos.js';

export const PHOTO_SWEEP_JOB = 'reviews.photo-sweep';
const HOUR_MS = 3_600_000;

/**
 * Defines and schedules the hourly sweep of photos uploaded a day ago and named by no review (row and blob); it also
 * forgets votes and reports older than a day (the daily limits' log).
 */
export async function startPhotoSweep(ctx: HubContext, photos: PhotoStore): Promise<void> {
  ctx.jobs.define({
    name: PHOTO_SWEEP_JOB,
    maxAttempts: 3,
    run: async (job) => {
      const removed = await photos.sweep(ctx.db, ctx.now(), job.signal);
      if (removed > 0) ctx.log.info({ removed }, 'reviews: unused photos swept');
      await new EngagementRepository(ctx.db).pruneEngagement(ctx.now() - 86_400_000);
    },
  });
  await ctx.jobs.schedule(PHOTO_SWEEP_JOB, { everyMs: HOUR_MS, jitter: 0.1 });
}
