import type { Queryable } from '../db/db.js';
import type { RefundIncidents } from '../modules/orders/index.js';
import { WorkflowRepository } from './repository.js';

/**
 * A refund the orders module's retry job gave up on (the provider refused it `REFUND_MAX_ATTEMPTS` times) becomes a
 * `REFUND_KEEPS_FAILING` incident on the Order incidents page, in the job's transaction: staff refund by hand, then
 * resolve it.
 */
export function refundIncidents(): RefundIncidents {
  return {
    async refundKeepsFailing(tx: Queryable, r) {
      await new WorkflowRepository(tx).raiseIncident({
        kind: 'REFUND_KEEPS_FAILING',
        storeId: null,
        reservationId: null,
        orderId: r.orderId,
        detail: { amountMinor: r.amountMinor, currency: r.currency, attempts: r.attempts, lastError: r.lastError },
        raisedAt: r.at,
      });
    },
  };
}
