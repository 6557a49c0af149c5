import type { Queryable } from '../../db/db.js';
import type { Interaction, InteractionSink } from '../../kernel/ports/recommendations.js';
import { ReviewsRepository } from './reviews-repository.js';

/** Purchases one call takes at most (the orders and sales modules split larger runs at 500). */
const MAX_PER_CALL = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The port REVIEW_PURCHASES: PURCHASE interactions from a confirmed order or a carded sale, kept as the customer's
 * verified purchases (other kinds, anonymous ones and ids that are not customer ids are ignored; a purchase told again
 * counts once). A customer's standing review of a product bought later gets the verified badge, and its product's
 * summary counts it, in the caller's transaction (the SQL is the repository's).
 */
export const reviewPurchaseSink: InteractionSink = {
  async record(q: Queryable, interactions: readonly Interaction[]): Promise<void> {
    if (interactions.length > MAX_PER_CALL)
      throw new RangeError(`at most ${MAX_PER_CALL} purchases a call; got ${interactions.length}`);
    const kept = interactions.filter(
      (i): i is Interaction & { customerId: string; source: 'order' | 'pos' } =>
        i.kind === 'PURCHASE' &&
        i.customerId !== null &&
        UUID.test(i.customerId) &&
        (i.source === 'order' || i.source === 'pos'),
    );
    await new ReviewsRepository(q).recordPurchases(
      kept.map((i) => ({
        customerId: i.customerId.toLowerCase(),
        sku: i.sku,
        source: i.source,
        sourceRef: i.sourceRef,
        storeId: i.storeId,
        at: i.at,
      })),
    );
  },
};
