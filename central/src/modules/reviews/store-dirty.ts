import type { Queryable } from '../../db/db.js';
import { ReviewsRepository } from './reviews-repository.js';

/**
 * Marks products whose rating summary or top reviews changed, in the caller's transaction: the store feed job
 * (store-feed.ts) sends them to every store on its next run and clears them. Call it for every change a store would
 * show: a review shown or hidden, an edit of a shown review, a vote, a response. (The SQL is the repository's.)
 */
export async function markStoreDirty(q: Queryable, skus: readonly string[], at: number): Promise<void> {
  await new ReviewsRepository(q).markStoreDirty(skus, at);
}
