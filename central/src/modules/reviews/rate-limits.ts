import { RateLimitedError } from '@storefleet/shared';
import {
  REVIEWS_PER_DAY,
  REVIEWS_PER_DAY_WINDOW_MS,
  WRITES_PER_PRODUCT,
  WRITES_PER_PRODUCT_WINDOW_MS,
} from './types.js';

/** One rate limit: at most `max` writes in `windowMs`, and how its refusal names it. */
export interface ReviewLimit {
  readonly max: number;
  readonly windowMs: number;
  readonly says: string;
}

export const PER_PRODUCT: ReviewLimit = {
  max: WRITES_PER_PRODUCT,
  windowMs: WRITES_PER_PRODUCT_WINDOW_MS,
  says: `${WRITES_PER_PRODUCT} reviews of one product in ${WRITES_PER_PRODUCT_WINDOW_MS / 86_400_000} days (a new review or an edit, deleted ones included)`,
};
export const PER_DAY: ReviewLimit = {
  max: REVIEWS_PER_DAY,
  windowMs: REVIEWS_PER_DAY_WINDOW_MS,
  says: `${REVIEWS_PER_DAY} new reviews in ${REVIEWS_PER_DAY_WINDOW_MS === 86_400_000 ? 'a day' : `${REVIEWS_PER_DAY_WINDOW_MS / 3_600_000} hours`}`,
};

/**
 * Throws RateLimitedError when one more write would pass `limit`: `times` are the counted writes still in the window
 * (epoch ms, oldest first). The wait is the seconds until enough of them leave the window for one more (at least 1).
 */
export function enforceLimit(limit: ReviewLimit, times: readonly number[], now: number): void {
  if (times.length < limit.max) return;
  const leaving = times[times.length - limit.max] ?? now;
  const wait = Math.max(1, Math.ceil((leaving + limit.windowMs - now) / 1000));
  throw new RateLimitedError(`at most ${limit.says}; try again in ${wait} s`, wait);
}
