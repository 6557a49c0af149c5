import type { Queryable } from '../../db/db.js';
import type { Interaction, InteractionSink } from '../../kernel/ports/recommendations.js';

/** Purchases one call takes at most (the orders and sales modules split larger runs at 500). */
const MAX_PER_CALL = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The port REVIEW_PURCHASES: PURCHASE interactions from a confirmed order or a carded sale, kept as the customer's
 * verified purchases (other kinds, anonymous ones and ids that are not customer ids are ignored; a purchase told again
 * counts once). One insert in the caller's transaction.
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
    if (kept.length === 0) return;
    await q.query(
      `INSERT INTO review_purchases (customer_id, sku, source, source_ref, store_id, at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
       ON CONFLICT DO NOTHING`,
      [
        kept.map((i) => i.customerId),
        kept.map((i) => i.sku),
        kept.map((i) => i.source),
        kept.map((i) => i.sourceRef),
        kept.map((i) => i.storeId),
        kept.map((i) => i.at),
      ],
    );
  },
};
