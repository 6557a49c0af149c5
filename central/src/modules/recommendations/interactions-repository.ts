import type { Queryable } from '../../db/db.js';
import type { Interaction } from './types.js';

/** At most this many interactions a call (an order's or a sale's lines: 100 at most). */
export const MAX_INTERACTIONS_A_CALL = 1_000;

/**
 * The one write path of `recs_interactions`: what the port RECS_INTERACTIONS records, in the caller's transaction.
 * Duplicates by (source, sourceRef, sku, kind) are ignored, so a retried hook or a resent event counts once.
 */
export class InteractionsRepository {
  constructor(private readonly q: Queryable) {}

  async record(list: readonly Interaction[]): Promise<void> {
    if (list.length === 0) return;
    if (list.length > MAX_INTERACTIONS_A_CALL)
      throw new RangeError(`at most ${MAX_INTERACTIONS_A_CALL} interactions a call, not ${list.length}`);
    await this.q.query(
      `INSERT INTO recs_interactions (customer_id, session_id, sku, kind, store_id, source, source_ref, at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
       ON CONFLICT (source, source_ref, sku, kind) DO NOTHING`,
      [
        list.map((i) => i.customerId),
        list.map((i) => i.sessionId ?? null),
        list.map((i) => i.sku),
        list.map((i) => i.kind),
        list.map((i) => i.storeId),
        list.map((i) => i.source),
        list.map((i) => i.sourceRef),
        list.map((i) => i.at),
      ],
    );
  }
}
