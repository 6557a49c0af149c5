import { feedEntry } from '@storefleet/shared';
import type { SnapshotSource } from '../../kernel/module-contract.js';
import { ReservationRepository } from './repository.js';

/**
 * The `holds` section of a store's cold start: its open holds (HELD or CONFIRMED) in id order, each row exactly the
 * payload of a `reservation.changed` feed entry, so the store applies it as it applies the feed (the newer version by
 * `updatedAt` wins). A new disk, or one restored from a backup whose feed entries retention removed, gets the holds it
 * would otherwise never hear of again; the store re-pulls this section after a `feed-skip`.
 */
export const holdBootstrap: SnapshotSource = {
  count: (q, storeId) => new ReservationRepository(q).activeCount(storeId),
  async page(q, storeId, after, limit) {
    const holds = await new ReservationRepository(q).activePage(storeId, after, limit);
    return {
      rows: holds.map((r) => feedEntry('reservation.changed', r).payload),
      next: holds.length === limit ? holds.at(-1)!.id : null,
    };
  },
};
