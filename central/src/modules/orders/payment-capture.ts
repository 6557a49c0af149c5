import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { PaymentProvider } from './payments.js';
import { OrderRepository } from './repository.js';

/**
 * Captures the authorised payments of picked-up orders, after the hand-over's transaction committed (never inside
 * it): the order row is the to-do (PICKED_UP, not captured yet), so a hub that dies before or after the provider's
 * answer captures again on restart, harmlessly (a capture is idempotent by the order's key). A failure is logged and
 * retried next round; the order's timeline says PAYMENT_CAPTURED once it succeeds.
 */
export async function captureDue(
  db: Db,
  payments: PaymentProvider,
  log: Logger,
  now: () => number,
  limit = 50,
): Promise<number> {
  const repo = new OrderRepository(db);
  const due = await repo.captureDue(limit);
  let captured = 0;
  for (const order of due) {
    try {
      await payments.capture(order.id);
      await repo.markCaptured(order.id, now());
      captured++;
    } catch (err) {
      log.warn({ err, orderId: order.id }, 'the payment of a picked-up order could not be captured; retried shortly');
    }
  }
  return captured;
}
