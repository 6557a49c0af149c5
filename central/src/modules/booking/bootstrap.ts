import { feedEntry, ValidationError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { FeedItem } from '../../kernel/feed-writer.js';
import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';
import { StoreCopyRepository } from './store-copy-repository.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** The section's cursor: `s:<showId>` while it pages the shows, `c:<bookingId>` once it pages the cancelled bookings. */
const CURSOR = new RegExp(`^([sc]):(${UUID})$`, 'i');

/**
 * A store's cold start (the `booking` section; also pulled again after a feed skip): first the shows it runs that have
 * not ended, each row exactly a `booking.show` payload, in id order; then the bookings of those shows that were
 * cancelled, each row a `booking.cancelled` payload, in id order — so a new disk's door refuses a cancelled ticket
 * offline as one that heard the feed does. The store applies the rows as it applies the feed (highest version wins).
 */
export function bookingBootstrap(ctx: HubContext): SnapshotSource {
  return {
    async count(q, storeId) {
      const repo = new StoreCopyRepository(q);
      const now = ctx.now();
      return (await repo.showCount(storeId, now)) + (await repo.cancelledCount(storeId, now));
    },
    async page(q, storeId, after, limit) {
      const repo = new StoreCopyRepository(q);
      const now = ctx.now();
      let phase: 's' | 'c' = 's';
      let from: string | null = null;
      if (after !== null) {
        const m = CURSOR.exec(after);
        if (!m) throw new ValidationError('a booking cursor is s:<show id> or c:<booking id>, as a page gave it');
        phase = m[1]!.toLowerCase() as 's' | 'c';
        from = m[2]!.toLowerCase();
      }
      const rows: unknown[] = [];
      if (phase === 's') {
        const shows = await repo.shows(storeId, now, from, limit);
        rows.push(...shows);
        if (shows.length === limit) return { rows, next: `s:${shows.at(-1)!.showId}` };
        from = null;
      }
      const want = limit - rows.length;
      const cancelled = await repo.cancelled(storeId, now, from, want);
      rows.push(...cancelled);
      return { rows, next: cancelled.length === want ? `c:${cancelled.at(-1)!.bookingId}` : null };
    },
  };
}

/**
 * The booking module's entries for a rebased feed (a hub restored from an older backup): the store's shows as the
 * hub has them now and the bookings of them cancelled. The store keeps the highest version of a show, and a
 * cancellation is never undone there, so these are safe to apply over whatever the lost entries carried.
 */
export function bookingReconciler(now: () => number): (tx: Queryable, storeId: string) => Promise<FeedItem[]> {
  return async (tx, storeId) => {
    const repo = new StoreCopyRepository(tx);
    const at = now();
    const shows = await repo.shows(storeId, at, null, null);
    const cancelled = await repo.cancelled(storeId, at, null, null);
    return [
      ...shows.map((s) => feedEntry('booking.show', s)),
      ...cancelled.map((c) => feedEntry('booking.cancelled', c)),
    ];
  };
}
