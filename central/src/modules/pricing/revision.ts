import { feedEntry } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';

/**
 * The pricing revision: one sequence every row stores reach takes its revision from (books' entries, promotions,
 * signing keys, used coupons, a store's region). `announce` broadcasts `pricing.changed {revision}` to every store in
 * the caller's transaction — one small feed row per store, whatever changed — so stores pull what is new.
 * CONTRACT: lane B owns this file.
 */
export async function nextRevision(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ r: string }>("SELECT nextval('pricing_revision_seq') AS r");
  return Number(rows[0]!.r);
}

/** Tells every store that pricing changed up to `revision` (call once per write transaction, after its rows). */
export async function announce(q: Queryable, feed: FeedWriter, revision: number): Promise<void> {
  await feed.broadcast(q, feedEntry('pricing.changed', { revision }));
}
