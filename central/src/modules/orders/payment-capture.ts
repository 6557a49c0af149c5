import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { PaymentProvider } from './payments.js';
import { OrderRepository } from './repository.js';

/** How long a process holds the orders it claimed for capture: a batch's provider calls fit well inside it. */
export const CAPTURE_CLAIM_MS = 60_000;
const BATCH = 10;

/**
 * Captures the authorised payments of picked-up orders, after the hand-over's transaction committed (never inside
 * it): the order row is the to-do (PICKED_UP, not captured yet). Each batch is claimed first (`claimCaptures`), so
 * hub processes capturing at once (the `orders.capture-payments` job, a hand-over's nudge) never ask the provider twice
 * for one order. A hub that dies before or after the provider's answer leaves its claim to run out, and the order is
 * captured again then, harmlessly (a capture is idempotent by the order's key). A failure is logged and the claim given
 * back when the round ends, so the next round retries; the order's timeline says PAYMENT_CAPTURED once it succeeds.
 * Stops between orders when `signal` aborts, giving the rest back.
 */
export async function captureDue(
  db: Db,
  payments: PaymentProvider,
  log: Logger,
  now: () => number,
  signal?: AbortSignal,
): Promise<number> {
  const repo = new OrderRepository(db);
  let captured = 0;
  // Failed and unattempted orders are given back once this round ends (not at once: it would claim them again).
  const giveBack: string[] = [];
  try {
    for (let batch = BATCH; batch === BATCH && !signal?.aborted; ) {
      const due = await repo.claimCaptures(now(), CAPTURE_CLAIM_MS, BATCH);
      batch = due.length;
      for (const order of due) {
        if (signal?.aborted) {
          giveBack.push(order.id);
          continue;
        }
        try {
          await payments.capture(order.id);
          await repo.markCaptured(order.id, now());
          captured++;
        } catch (err) {
          log.warn(
            { err, orderId: order.id },
            'the payment of a picked-up order could not be captured; retried shortly',
          );
          giveBack.push(order.id);
        }
      }
    }
  } finally {
    for (const id of giveBack)
      await repo
        .releaseCapture(id)
        .catch((err: unknown) => log.warn({ err, orderId: id }, 'could not give a capture claim back; it runs out'));
  }
  return captured;
}
