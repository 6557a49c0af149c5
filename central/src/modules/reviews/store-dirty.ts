import type { Queryable } from '../../db/db.js';

/**
 * Marks products whose rating summary or top reviews changed, in the caller's transaction: the store feed job
 * (store-feed.ts) sends them to every store on its next run and clears them. Call it for every change a store would
 * show: a review shown or hidden, an edit of a shown review, a vote, a response.
 */
export async function markStoreDirty(q: Queryable, skus: readonly string[], at: number): Promise<void> {
  if (skus.length === 0) return;
  await q.query(
    `INSERT INTO review_store_dirty (sku, since) SELECT DISTINCT s, $2::bigint FROM unnest($1::text[]) AS s
     ON CONFLICT (sku) DO NOTHING`,
    [[...new Set(skus)], at],
  );
}
