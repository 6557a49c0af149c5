import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { InteractionSink } from '../../kernel/ports/recommendations.js';

/** A line put in a customer's cart (or its quantity raised), and where: what recommendations learn a cart add from. */
export interface CartAdd {
  readonly customerId: string;
  readonly sku: string;
  /** The store that made the change, else the store the cart is to be fulfilled at; null for a shipped cart. */
  readonly storeId: string | null;
}

/** Told after a cart change that added something; never throws (a cart's change stands whatever it does). */
export type CartAdds = (add: CartAdd) => Promise<void>;

/** The UTC day of `ms`, `YYYY-MM-DD`. */
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Cart adds recorded as CART_ADD interactions through RECS_INTERACTIONS (`sink()`, undefined in a hub without
 * recommendations: nothing is recorded). A cart is an Automerge document, so there is no SQL transaction to join:
 * each add is its own insert, after the change is stored. Its `sourceRef` is the customer and the UTC day, so one
 * product counts once per customer and day however often it goes in and out of the cart, its quantity is raised or
 * the request is retried: interest in a product is one signal, and a customer fiddling with a quantity must not weigh
 * more than a purchase (CART_ADD 2, PURCHASE 4). A failed insert is logged and the cart's answer goes out as ever.
 */
export function cartAddRecorder(deps: {
  readonly sink: () => InteractionSink | undefined;
  readonly db: Db;
  readonly now: () => number;
  readonly log: Logger;
}): CartAdds {
  return async (add) => {
    const sink = deps.sink();
    if (!sink) return;
    const at = deps.now();
    try {
      await sink.record(deps.db, [
        {
          customerId: add.customerId,
          sku: add.sku,
          kind: 'CART_ADD',
          storeId: add.storeId,
          source: 'cart',
          sourceRef: `${add.customerId}:${utcDay(at)}`,
          at,
        },
      ]);
    } catch (err) {
      deps.log.warn(
        { err, customerId: add.customerId, sku: add.sku },
        'a cart add was not recorded for recommendations',
      );
    }
  };
}
