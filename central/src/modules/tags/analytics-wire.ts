import { AppError } from '@storefleet/shared';
import type { TagIndexStatus } from './types.js';

const n = (x: number) => x.toLocaleString('en-US');

/** Seconds a client should wait before asking again while the index is not READY. */
export const INDEX_RETRY_AFTER_SECONDS = 5;

/** The 503 for a figure that needs the index while it is not READY, saying how far the rebuild has come. */
export function indexNotReady(status: TagIndexStatus): AppError {
  const extra = {
    retryAfterSeconds: INDEX_RETRY_AFTER_SECONDS,
    index: { state: status.state, rebuilt: status.rebuilt },
  };
  if (status.state === 'REBUILDING' && status.rebuilt) {
    const { done, total } = status.rebuilt;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
    return new AppError(
      'unavailable',
      `the tag index is rebuilding: ${pct} % (${n(done)} of ${n(total)} products); try again in a few seconds`,
      extra,
    );
  }
  if (status.state === 'FAILED')
    return new AppError(
      'unavailable',
      `the tag index failed to build (${status.lastError ?? 'no reason recorded'}); an ADMIN can rebuild it with POST /api/tags/index/rebuild`,
      extra,
    );
  return new AppError('unavailable', 'the tag index is not built yet; try again in a few seconds', extra);
}

/** "today", "1 day ago", "12 days ago", or "never". */
export function daysAgoText(days: number | null): string {
  if (days === null) return 'never';
  if (days <= 0) return 'today';
  return days === 1 ? '1 day ago' : `${n(days)} days ago`;
}

/** YYYY-MM-DD of a day number (days since 1970-01-01, UTC). */
export const dayText = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
