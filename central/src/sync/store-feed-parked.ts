import type { Queryable } from '../db/db.js';

/**
 * What each store reports of the feed entries it parked (a handler at the store refused them). The sync session calls
 * `record` when a store's `feed-ack` carries a changed report; the store's sync status (SyncStatusRepository) reads it.
 */
export class StoreFeedParked {
  constructor(
    readonly db: Queryable,
    readonly now: () => number,
  ) {}

  async record(storeId: string, parked: { count: number; reason: string | null }): Promise<void> {
    await this.db.query(
      `INSERT INTO sync_store_feed_parked (store_id, parked, reason, reported_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store_id) DO UPDATE SET parked = $2, reason = $3, reported_at = $4`,
      [storeId, parked.count, parked.reason, this.now()],
    );
  }
}
