import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/db.js';
import { definePort } from '../kernel/ports.js';
import { WorkflowRepository, type CustomerNotification } from './repository.js';

/**
 * Whoever delivers notices to customers (e-mail, SMS, the app's push service): an external party behind an interface,
 * named by the hub's `NOTIFICATIONS_SENDER` setting (notice-senders.ts) or supplied as the port below. `send` is
 * called after the notice's transaction committed, at least once per notice (a hub that dies after sending sends
 * again): a real sender dedupes by `id`. It should give up when `signal` aborts (the hub is stopping, or the notice's
 * claim is running out). A throw keeps the notice for a later round (backed off by its attempts; a
 * `NoticeDeferredError` says more), except a `NoticeRefusedError` (the sender will never take it), which marks it
 * failed with the reason and raises a NOTICE_REFUSED incident for staff.
 */
export interface CustomerNotifier {
  send(notice: CustomerNotification, signal?: AbortSignal): Promise<void>;
}

export const NOTIFICATIONS_SENDER = definePort<CustomerNotifier>(
  'notifications.sender',
  'whoever delivers notices to customers',
);

/** The sender refused this notice for good (HTTP 400, 410, 422): it is marked failed, not sent again. */
export class NoticeRefusedError extends Error {
  override readonly name = 'NoticeRefusedError';
  /** @param answer What the sender answered, for staff (`422 customer has no reachable address`); the message else. */
  constructor(
    message: string,
    readonly answer?: string,
  ) {
    super(message);
  }
}

/** The sender did not take the notice this time (down, busy, misconfigured): it is kept and tried again later. */
export class NoticeDeferredError extends Error {
  override readonly name = 'NoticeDeferredError';
  constructor(
    message: string,
    readonly options: {
      /** The sender as a whole is the problem (no answer, busy, misconfigured): the drain stops instead of going on. */
      readonly senderWide?: boolean;
      /** Only staff can fix it (a redirect, 401/403/404/405): logged as an error, not a warning. */
      readonly misconfigured?: boolean;
      /** The sender's Retry-After, in ms from now: the notice's next attempt. */
      readonly retryAfterMs?: number;
    } = {},
  ) {
    super(message);
  }
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

/**
 * How long a drain holds a notice it is sending. Each notice is claimed just before its send, and the send is
 * abandoned at half of this (the http sender gives up at 5 s), so no other hub process takes a notice while it is
 * still being sent.
 */
export const CLAIM_MS = 30_000;
/** A failed notice waits 1 s, 2 s, 4 s … (by its attempts), at most 10 minutes, unless the sender said how long. */
const BACKOFF_MS = 1_000;
const BACKOFF_CAP_MS = 10 * 60_000;
const RETRY_AFTER_CAP_MS = 60 * 60_000;
/** How much of a sender's reason is kept (last_error, the incident, logs). */
const REASON_CHARS = 200;

/** Delay before a notice that failed on its `attempts`-th try is due again. */
export function noticeBackoffMs(attempts: number): number {
  return Math.min(BACKOFF_MS * 2 ** Math.max(0, Math.min(attempts - 1, 30)), BACKOFF_CAP_MS);
}

/**
 * A sender's reason as the hub stores and logs it: control characters (NUL would make Postgres refuse the row) become
 * spaces, runs of blanks one space, at most 200 characters.
 */
export function cleanReason(reason: unknown): string {
  let text: string;
  try {
    text = reason instanceof Error ? reason.message : String(reason);
  } catch {
    text = 'an error that cannot be shown';
  }
  const clean = Array.from(text, (ch) => (isControl(ch.codePointAt(0)!) ? ' ' : ch))
    .join('')
    .replace(/\s{2,}/g, ' ')
    .trim();
  return (clean.length > REASON_CHARS ? `${clean.slice(0, REASON_CHARS - 1)}…` : clean) || 'no reason given';
}

/** C0 and C1 control characters, and the line and paragraph separators. */
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;

/**
 * The notifications outbox: flows `enqueue` a notice in the transaction of the change it tells of; `drain` (the
 * hub's job every second, and right after such a commit) hands due ones to the notifier. Without a notifier
 * configured, notices wait in the outbox (nothing is lost) and the hub said so at start.
 *
 * One drain runs at a time in a process (the scheduled one and the one after a commit share it: a second asks the
 * running one to look again); across processes each notice is claimed just before it is sent, so two hubs never send
 * it at once. `stop()` aborts the running drain (and its request to the sender) and waits for it; no drain starts after.
 */
export class NotificationOutbox {
  /** The drain running in this process, if any. */
  #running: Promise<number> | undefined;
  /** Something was committed while a drain ran: it looks for due notices once more before it ends. */
  #again = false;
  readonly #stop = new AbortController();

  constructor(
    readonly db: Db,
    readonly notifier: CustomerNotifier | undefined,
    readonly log: Logger,
    readonly now: () => number,
  ) {}

  /**
   * In the caller's transaction; sent once it commits. A notice about an order names it first by the number the
   * customer has on their confirmation (`Order SF-10482: …`), never its id; the sender gets the number too.
   */
  async enqueue(
    tx: Queryable,
    n: { customerId: string; orderId: string | null; kind: string; message: string },
  ): Promise<void> {
    const repo = new WorkflowRepository(tx);
    const number = n.orderId ? await repo.orderNumberOf(n.orderId) : null;
    await repo.enqueue({ ...n, message: number ? `Order ${number}: ${n.message}` : n.message, createdAt: this.now() });
    tx.afterCommit(() => this.drainSoon());
  }

  /** Starts a drain now unless one is running (which then looks again before it ends). Never throws. */
  drainSoon(): void {
    this.drain().catch((err: unknown) =>
      this.log.error({ err }, 'sending customer notices failed; the next round retries'),
    );
  }

  /**
   * Sends what is due, oldest first, up to `limit` notices; returns how many went out (0 when another drain of this
   * process was running: that one sends them, and this call waits for it or for `signal`). Stops early when `signal`
   * aborts or the hub stops; a throw means the database failed.
   */
  async drain(options: { limit?: number; signal?: AbortSignal } = {}): Promise<number> {
    if (!this.notifier || this.#stop.signal.aborted) return 0;
    const signal = options.signal ? AbortSignal.any([options.signal, this.#stop.signal]) : this.#stop.signal;
    if (this.#running) {
      this.#again = true;
      await untilSettledOrAborted(this.#running, signal);
      return 0;
    }
    const run = this.#drainRounds(this.notifier, options.limit ?? 50, signal);
    this.#running = run;
    try {
      return await run;
    } finally {
      this.#running = undefined;
    }
  }

  /** Aborts the running drain and waits for it to end; later drains do nothing. The hub calls it before its db closes. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running?.catch(() => undefined);
  }

  async #drainRounds(notifier: CustomerNotifier, limit: number, signal: AbortSignal): Promise<number> {
    let sent = 0;
    do {
      this.#again = false;
      sent += await this.#drainOnce(notifier, limit - sent, signal);
    } while (this.#again && sent < limit && !signal.aborted);
    return sent;
  }

  async #drainOnce(notifier: CustomerNotifier, limit: number, signal: AbortSignal): Promise<number> {
    const repo = new WorkflowRepository(this.db);
    let sent = 0;
    for (let i = 0; i < limit && !signal.aborted; i++) {
      const notice = await repo.claimNext(this.now(), this.now() + CLAIM_MS);
      if (!notice) break;
      const outcome = await this.#sendOne(repo, notifier, notice, signal);
      if (outcome === 'sent') sent++;
      if (outcome === 'stop') break;
    }
    return sent;
  }

  /** Sends one claimed notice and records what came of it; 'stop' when the drain should end here. */
  async #sendOne(
    repo: WorkflowRepository,
    notifier: CustomerNotifier,
    notice: CustomerNotification,
    signal: AbortSignal,
  ): Promise<'sent' | 'kept' | 'stop'> {
    const at = { notificationId: notice.id, orderId: notice.orderId, attempts: notice.attempts };
    try {
      await notifier.send(notice, AbortSignal.any([signal, AbortSignal.timeout(CLAIM_MS / 2)]));
    } catch (err) {
      if (signal.aborted) {
        // the hub is stopping: the notice is free for the next drain, here or in another process
        await this.#record(at, () => repo.release(notice.id));
        return 'stop';
      }
      const reason = cleanReason(err);
      if (err instanceof NoticeRefusedError) {
        this.log.error(
          { ...at, reason },
          'the notice sender refused a customer notice for good; it is marked failed and an incident raised',
        );
        await this.#record(at, () =>
          this.db.transaction(async (tx) => {
            const r = new WorkflowRepository(tx);
            if (await r.markRefused(notice.id, this.now(), reason))
              await r.raiseNoticeRefused(notice, cleanReason(err.answer ?? reason), this.now());
          }),
        );
        return 'kept';
      }
      const deferred = err instanceof NoticeDeferredError ? err.options : {};
      const waitMs = Math.min(
        Math.max(deferred.retryAfterMs ?? noticeBackoffMs(notice.attempts), BACKOFF_MS),
        RETRY_AFTER_CAP_MS,
      );
      const next = this.now() + waitMs;
      if (deferred.misconfigured)
        this.log.error(
          { ...at, reason, retryAt: next },
          'the notice sender is misconfigured: customer notices wait until the sender or NOTIFICATIONS_SENDER_* is fixed',
        );
      else
        this.log.warn({ ...at, reason, retryAt: next }, 'a customer notice could not be sent; it is tried again later');
      await this.#record(at, () => repo.markFailed(notice.id, reason, next));
      return deferred.senderWide ? 'stop' : 'kept';
    }
    await this.#record(at, () => repo.markSent(notice.id, this.now()));
    return 'sent';
  }

  /** One notice's bookkeeping: a failure is logged and the drain goes on (the notice's claim runs out; it is retried). */
  async #record(at: Record<string, unknown>, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.log.error(
        { ...at, err },
        'recording what became of a customer notice failed; it is retried after its claim',
      );
    }
  }
}

/** Resolves when `p` settles or `signal` aborts, whichever is first. */
function untilSettledOrAborted(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    p.then(done, done);
  });
}
