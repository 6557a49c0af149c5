import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { PaymentProvider } from './payments.js';
import { OrderRepository } from './repository.js';
import type { RefundIncidents } from './types.js';

/** A refund request this old with no REFUNDED after it is the job's to finish (the route's own call failed or died). */
export const REFUND_RETRY_AFTER_MS = 60_000;
/** The wait after a failed try: one minute, doubling with each failure, at most an hour. */
export const REFUND_BACKOFF_FIRST_MS = 60_000;
export const REFUND_BACKOFF_MAX_MS = 3_600_000;
/** After this many failed tries the job stops asking and raises an incident (staff refund by hand). */
export const REFUND_MAX_ATTEMPTS = 8;
const BATCH = 10;

export const REFUND_PROVIDER_DOWN = 'the payment provider did not answer; the refund will be retried';

/** How long to wait after the `attempts`-th failed try: 1, 2, 4 … minutes, at most an hour. */
export function refundBackoffMs(attempts: number): number {
  return Math.min(REFUND_BACKOFF_MAX_MS, REFUND_BACKOFF_FIRST_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Finishes refunds whose provider call failed: the `orders.retry-refunds` job (one hub of the cluster at a time) asks
 * the provider again, by the order's key (idempotent, so a refund the provider did take is not taken twice), for the
 * refunds whose next try is due (the first a minute after the request), and records REFUNDED once it answers. A
 * failure is counted and the refund waits longer (1 min doubling, at most 1 h), so refunds that keep failing go to
 * the back and never hold up the others; after `REFUND_MAX_ATTEMPTS` failures the job gives up on it and reports it
 * through `incidents` (the workflows layer raises an incident saying the refund keeps failing). Returns how many it
 * finished.
 */
export async function retryRefunds(
  db: Db,
  payments: PaymentProvider,
  log: Logger,
  now: () => number,
  signal?: AbortSignal,
  incidents?: RefundIncidents,
): Promise<number> {
  const repo = new OrderRepository(db);
  let done = 0;
  for (const order of await repo.refundsDue(now(), BATCH)) {
    if (signal?.aborted) break;
    try {
      await payments.void(order.id);
    } catch (err) {
      await failed(db, order, err, log, now(), incidents);
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
      await locked.refundMade(order.id);
    });
    done++;
  }
  return done;
}

async function failed(
  db: Db,
  order: { id: string; amountMinor: number; currency: string; attempts: number },
  err: unknown,
  log: Logger,
  at: number,
  incidents: RefundIncidents | undefined,
): Promise<void> {
  const attempts = order.attempts + 1;
  const lastError = err instanceof Error ? err.message : String(err);
  if (attempts < REFUND_MAX_ATTEMPTS) {
    await new OrderRepository(db).refundFailed(order.id, attempts, lastError, {
      nextTryAt: at + refundBackoffMs(attempts),
    });
    log.warn({ err, orderId: order.id, attempts }, 'the refund of an order could not be made; retried later');
    return;
  }
  const gaveUp = await db.transaction(async (tx) => {
    if (!(await new OrderRepository(tx).refundFailed(order.id, attempts, lastError, { gaveUpAt: at }))) return false;
    await incidents?.refundKeepsFailing(tx, {
      orderId: order.id,
      amountMinor: order.amountMinor,
      currency: order.currency,
      attempts,
      lastError,
      at,
    });
    return true;
  });
  if (gaveUp)
    log.error(
      { err, orderId: order.id, attempts },
      'the refund of an order kept failing; no more retries, an incident was raised',
    );
}
