import type { Logger } from 'pino';
import type { OrderRepository } from './repository.js';

/** The runner's lease was taken over (it expired and another runner claimed the order): this runner stops, recording nothing. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(orderId: string) {
    super(`lease lost: another runner took order ${orderId} over; this runner stops without recording its step`);
  }
}

/**
 * A saga runner's lease on one order, held under the epoch its claim got. While the runner works (a payment call may
 * outlast the lease) it is renewed in the background every third of its length, under that epoch only; once a renewal
 * finds another epoch the lease is lost and `held()` throws, so the runner stops before its next step. Every record
 * the runner writes is fenced by the same epoch in the database, so a runner that missed the news still writes nothing.
 */
export class SagaLease {
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> = Promise.resolve();
  #lost = false;

  constructor(
    readonly orderId: string,
    readonly epoch: number,
    readonly deps: {
      readonly repo: () => OrderRepository;
      readonly leaseMs: number;
      readonly now: () => number;
      readonly log: Logger;
    },
  ) {}

  /** Starts renewing in the background. */
  start(): this {
    this.#timer = setInterval(
      () => {
        this.#renewing = this.#renewing.then(() => this.#renew());
      },
      Math.max(1, Math.floor(this.deps.leaseMs / 3)),
    );
    this.#timer.unref();
    return this;
  }

  /** Stops renewing (after any renewal in flight), so a released or ended lease is never extended again. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
  }

  /** Throws LeaseLostError when a renewal found the lease taken over. */
  held(): void {
    if (this.#lost) throw new LeaseLostError(this.orderId);
  }

  async #renew(): Promise<void> {
    if (this.#lost || !this.#timer) return;
    try {
      if (!(await this.deps.repo().renewLease(this.orderId, this.epoch, this.deps.now() + this.deps.leaseMs)))
        this.#lost = true;
    } catch (err) {
      // A renewal the database did not take is tried again next time; the lease may expire meanwhile (the records stay fenced).
      this.deps.log.warn({ err, orderId: this.orderId }, 'renewing an order saga lease failed');
    }
  }
}
