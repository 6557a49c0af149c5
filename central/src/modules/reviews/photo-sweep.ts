import type { HubContext } from '../../kernel/module-contract.js';
import type { PhotoStore } from './photos.js';

export const PHOTO_SWEEP_JOB = 'reviews.photo-sweep';
const HOUR_MS = 3_600_000;

/** Defines and schedules the hourly sweep of photos uploaded a day ago and named by no review (row and blob). */
export async function startPhotoSweep(ctx: HubContext, photos: PhotoStore): Promise<void> {
  ctx.jobs.define({
    name: PHOTO_SWEEP_JOB,
    maxAttempts: 3,
    run: async (job) => {
      const removed = await photos.sweep(ctx.db, ctx.now(), job.signal);
      if (removed > 0) ctx.log.info({ removed }, 'reviews: unused photos swept');
    },
  });
  await ctx.jobs.schedule(PHOTO_SWEEP_JOB, { everyMs: HOUR_MS, jitter: 0.1 });
}
