import type { SaleCompleted } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Queryable } from '../../db/db.js';
import { inSavepoint } from '../../kernel/savepoint.js';
import type { CustomerDirectory } from '../../kernel/ports/customers.js';
import type { Interaction, InteractionSink } from '../../kernel/ports/recommendations.js';

/** Interactions one call of the sink takes at most (RECS_INTERACTIONS refuses more); a run of sales is split. */
const PER_CALL = 500;

/** Told, in the apply transaction, of a store's sales that stand as completed (the first report of each id). */
export type SalePurchases = (tx: Queryable, storeId: string, sales: readonly SaleCompleted[]) => Promise<void>;

/**
 * Sales at the lane with a customer card as PURCHASE interactions for recommendations. The cards of the run are
 * resolved to customers in one read (CUSTOMER_DIRECTORY.idsByCards, in the handler's transaction); a card nobody holds
 * records nothing and the sale applies as ever (it is never parked for it). One purchase per product of the sale, at
 * the store that sent it, when the sale closed (no later than now: a store's clock may run ahead). `sourceRef` is
 * `<storeId>/<saleId>`: sale ids are each store's own (two stores may both have an `S-1`), and a sale sent again
 * counts once. Without recommendations or customers in the hub nothing is recorded. Recommendations never refuse a
 * sale: the lookup and the purchases run in a savepoint; a throw rolls them back and logs a warning, and the sales
 * apply without their purchases.
 */
export function salePurchaseRecorder(deps: {
  readonly sink: () => InteractionSink | undefined;
  readonly customers: () => Pick<CustomerDirectory, 'idsByCards'> | undefined;
  readonly now: () => number;
  readonly log: Pick<Logger, 'warn'>;
}): SalePurchases {
  return async (tx, storeId, sales) => {
    const carded = sales.filter((s) => s.customerCard !== undefined);
    if (!carded.length) return;
    const sink = deps.sink();
    const customers = deps.customers();
    if (!sink || !customers) return;
    await inSavepoint(
      tx,
      'recs_record',
      async () => {
        const ids = await customers.idsByCards(
          carded.map((s) => s.customerCard!),
          tx,
        );
        const now = deps.now();
        const all: Interaction[] = [];
        for (const s of carded) {
          const customerId = ids.get(s.customerCard!);
          if (!customerId) continue;
          for (const sku of new Set(s.lines.map((l) => l.sku)))
            all.push({
              customerId,
              sku,
              kind: 'PURCHASE',
              storeId,
              source: 'pos',
              sourceRef: `${storeId}/${s.saleId}`,
              at: Math.min(s.closedAt, now),
            });
        }
        for (let i = 0; i < all.length; i += PER_CALL) await sink.record(tx, all.slice(i, i + PER_CALL));
      },
      (err) =>
        deps.log.warn(
          { err, storeId, saleIds: carded.map((s) => s.saleId) },
          'recommendations could not record the purchases of sales; the sales apply without them',
        ),
    );
  };
}
