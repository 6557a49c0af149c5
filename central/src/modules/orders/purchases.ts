import type { Logger } from 'pino';
import type { Queryable } from '../../db/db.js';
import { inSavepoint } from '../../kernel/savepoint.js';
import type { Interaction, InteractionSink } from '../../kernel/ports/recommendations.js';
import type { Order } from './types.js';

/** Interactions one call of the sink takes at most (RECS_INTERACTIONS refuses more); a batch of orders is split. */
const PER_CALL = 500;

/**
 * A confirmed order's lines as purchases, for recommendations: one per product (a sku on two lines is one purchase),
 * named by the order's id so a confirmation recorded again counts once; at the store that fulfils it (none for a
 * shipment from a distribution centre).
 */
export function purchasesOf(order: Order, at: number): Interaction[] {
  const skus = [...new Set(order.lines.map((l) => l.sku))];
  return skus.map((sku) => ({
    customerId: order.customerId,
    sku,
    kind: 'PURCHASE',
    storeId: order.fulfilment.type === 'SHIP' ? null : (order.fulfilment.storeId ?? null),
    source: 'order',
    sourceRef: order.id,
    at,
  }));
}

/**
 * Records the purchases of orders just confirmed, in the transaction that confirms them; nothing without a sink.
 * Recommendations never refuse a confirmation: the purchases are written in a savepoint, and if the sink throws
 * they are rolled back and a warning logged — the orders still commit as CONFIRMED, without their purchases.
 */
export async function recordPurchases(
  sink: InteractionSink | undefined,
  tx: Queryable,
  orders: readonly Order[],
  at: number,
  log: Pick<Logger, 'warn'>,
): Promise<void> {
  if (!sink) return;
  const all = orders.flatMap((o) => purchasesOf(o, at));
  if (!all.length) return;
  await inSavepoint(
    tx,
    'recs_record',
    async () => {
      for (let i = 0; i < all.length; i += PER_CALL) await sink.record(tx, all.slice(i, i + PER_CALL));
    },
    (err) =>
      log.warn(
        { err, orderIds: orders.map((o) => o.id) },
        'recommendations could not record the purchases of confirmed orders; the orders stay confirmed without them',
      ),
  );
}
