import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { PaymentProvider } from './payments.js';
import { OrderRepository } from './repository.js';

/** A refund request this old with no REFUNDED after it is the job's to finish (the route's own call failed or died). */
export const REFUND_RETRY_AFTER_MS = 60_000;
const BATCH = 10;

export const REFUND_PROVIDER_DOWN = 'the payment provider did not answer; the refund will be retried';

/**
 * Finishes refunds whose provider call failed: the `orders.retry-refunds` job (one hub of the cluster at a time) asks
 * the provider again, by the order's key (idempotent, so a refund the provider did take is not taken twice), for each
 * order whose REFUND_REQUESTED is older than `REFUND_RETRY_AFTER_MS` and has no REFUNDED, and records REFUNDED once
 * it answers. A failure is logged and left for the next round. Returns how many it finished.
 */
export async function retryRefunds(
  db: Db,
  payments: PaymentProvider,
  log: Logger,
  now: () => number,
  signal?: AbortSignal,
): Promise<number> {
  const repo = new OrderRepository(db);
  let done = 0;
  for (const order of await repo.refundsDue(now() - REFUND_RETRY_AFTER_MS, BATCH)) {
    if (signal?.aborted) break;
    try {
      await payments.void(order.id);
    } catch (err) {
      log.warn({ err, orderId: order.id }, 'the refund of an order could not be made; retried shortly');
      continue;
    }
    await db.transaction(async (tx) => {
      const locked = new OrderRepository(tx);
      await locked.lock(order.id);
      if (!(await locked.events(order.id)).some((e) => e.kind === 'REFUNDED'))
        await locked.addEvent(
          order.id,
          'REFUNDED',
          { amountMinor: order.amountMinor, currency: order.currency, retried: true },
          now(),
        );
    });
    done++;
  }
  return done;
}
