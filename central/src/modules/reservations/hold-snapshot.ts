import { feedEntry, type HoldSnapshot } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { FeedItem } from '../../kernel/feed-writer.js';
import { ReservationRepository } from './repository.js';

/** Hold ids per `reservation.snapshot` entry: about 40 kB of payload, a small part of one feed page. */
export const HOLD_SNAPSHOT_PAGE = 1000;

/**
 * The reservations module's reconcile entries for a rebased feed (a hub restored from an older backup): the holds
 * this store has at the hub now, as `reservation.snapshot` entries that each cover a range of ids and together every
 * id, so the store ends its open holds the hub no longer knows. Runs in the rebase's transaction.
 */
export async function holdSnapshot(tx: Queryable, storeId: string): Promise<FeedItem[]> {
  const ids = await new ReservationRepository(tx).activeIds(storeId);
  return snapshotPages(ids, HOLD_SNAPSHOT_PAGE).map((payload) => feedEntry('reservation.snapshot', payload));
}

/** Sorted ids cut into pages: page i covers [its first id, the next page's first id); the first and last are open. */
export function snapshotPages(sortedIds: readonly string[], size: number): HoldSnapshot[] {
  if (sortedIds.length === 0) return [{ from: null, to: null, ids: [] }];
  const pages: HoldSnapshot[] = [];
  for (let i = 0; i < sortedIds.length; i += size) {
    pages.push({
      from: i === 0 ? null : sortedIds[i]!,
      to: i + size < sortedIds.length ? sortedIds[i + size]! : null,
      ids: sortedIds.slice(i, i + size),
    });
  }
  return pages;
}
