import type { Queryable } from '../db/db.js';
import type { ChangeBus } from './change-bus.js';

export const FEED_CHANNEL = 'sf_feed';

export interface FeedItem {
  readonly type: string;
  readonly payload: unknown;
}

/**
 * How modules put hub-owned changes into a store's feed: call `append` with the transaction that makes the change,
 * so the feed entry exists exactly when the change does. Every hub replica hears of it at commit (the ChangeBus).
 */
export class FeedWriter {
  constructor(
    readonly now: () => number,
    readonly bus: ChangeBus,
  ) {}

  /** Appends entries to one store's feed; returns the new head. */
  async append(tx: Queryable, storeId: string, items: readonly FeedItem[]): Promise<number> {
    if (items.length === 0) return 0;
    const { rows } = await tx.query<{ head: number }>(
      `INSERT INTO sync_feed_heads (store_id, head) VALUES ($1, $2)
       ON CONFLICT (store_id) DO UPDATE SET head = sync_feed_heads.head + $2 RETURNING head`,
      [storeId, items.length],
    );
    const head = rows[0]!.head;
    const first = head - items.length + 1;
    await tx.query(
      `INSERT INTO sync_feed (store_id, seq, type, payload, created_at)
       SELECT $1, $2::bigint + i - 1, t, p, $5 FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS x(t, p, i)`,
      [storeId, first, items.map((i) => i.type), items.map((i) => JSON.stringify(i.payload ?? null)), this.now()],
    );
    await this.bus.publish(tx, FEED_CHANNEL, storeId);
    return head;
  }
}
