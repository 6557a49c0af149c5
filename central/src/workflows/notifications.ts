import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/db.js';
import { definePort } from '../kernel/ports.js';
import { WorkflowRepository, type CustomerNotification } from './repository.js';

/**
 * Whoever delivers notices to customers (e-mail, SMS, the app's push service): an external party behind an interface,
 * named by the hub's `NOTIFICATIONS_SENDER` setting (notice-senders.ts) or supplied as the port below. `send` is
 * called after the notice's transaction committed, at least once per notice (a hub that dies after sending sends
 * again): a real sender dedupes by `id`. A throw keeps the notice for the next round, except a `NoticeRefusedError`
 * (the sender will never take it), which marks it failed with the reason.
 */
export interface CustomerNotifier {
  send(notice: CustomerNotification): Promise<void>;
}

export const NOTIFICATIONS_SENDER = definePort<CustomerNotifier>(
  'notifications.sender',
  'whoever delivers notices to customers',
);

/** The sender refused this notice for good (an HTTP 4xx): it is marked failed, not sent again. */
export class NoticeRefusedError extends Error {
  override readonly name = 'NoticeRefusedError';
}

/** The sender simulator: records what it "sent" (one entry per notice id), or fails while `failing` is set. */
export class SimulatedNotifier implements CustomerNotifier {
  readonly sent: CustomerNotification[] = [];
  failing: string | null = null;

  async send(notice: CustomerNotification): Promise<void> {
    if (this.failing) throw new Error(this.failing);
    if (!this.sent.some((n) => n.id === notice.id)) this.sent.push(notice);
  }
}

const CLAIM_MS = 30_000;

/**
 * The notifications outbox: flows `enqueue` a notice in the transaction of the change it tells of; `drain` (every
 * second, and right after such a commit) hands unsent ones to the notifier. Without a notifier configured, notices
 * wait in the outbox (nothing is lost) and the hub said so at start.
 */
export class NotificationOutbox {
  #draining = false;

  constructor(
    readonly db: Db,
    readonly notifier: CustomerNotifier | undefined,
    readonly log: Logger,
    readonly now: () => number,
  ) {}

  /** In the caller's transaction; sent once it commits. */
  async enqueue(
    tx: Queryable,
    n: { customerId: string; orderId: string | null; kind: string; message: string },
  ): Promise<void> {
    await new WorkflowRepository(tx).enqueue({ ...n, createdAt: this.now() });
    tx.afterCommit(() => this.drainSoon());
  }

  drainSoon(): void {
    if (this.#draining || !this.notifier) return;
    this.#draining = true;
    this.drain()
      .catch((err: unknown) => this.log.error({ err }, 'sending customer notices failed; retried next round'))
      .finally(() => (this.#draining = false));
  }

  /** Sends what is due; returns how many went out. */
  async drain(limit = 50): Promise<number> {
    const notifier = this.notifier;
    if (!notifier) return 0;
    const repo = new WorkflowRepository(this.db);
    let sent = 0;
    for (const notice of await repo.claimUnsent(this.now(), this.now() + CLAIM_MS, limit)) {
      try {
        await notifier.send(notice);
        await repo.markSent(notice.id, this.now());
        sent++;
      } catch (err) {
        const reason = (err as Error).message ?? String(err);
        if (err instanceof NoticeRefusedError) {
          this.log.error(
            { err, notificationId: notice.id, orderId: notice.orderId },
            'the notice sender refused a customer notice; it is marked failed and not sent again',
          );
          await repo.markRefused(notice.id, this.now(), reason);
          continue;
        }
        this.log.warn(
          { err, notificationId: notice.id, orderId: notice.orderId },
          'a customer notice could not be sent; retried next round',
        );
        await repo.markFailed(notice.id, reason);
      }
    }
    return sent;
  }
}
