import { seededRandom } from '@storefleet/devices';
import {
  PaymentTimeoutError,
  SimulatedPaymentProvider,
  type PaymentProvider,
} from '../../../central/src/modules/orders/index.js';

/** How the simulated provider answers an authorisation: after a uniform wait in [minMs, maxMs], or not at all. */
export interface PaymentLatency {
  readonly name: string;
  readonly minMs: number;
  readonly maxMs: number;
  /** The share of authorisations that get no answer: the caller waits `timeoutMs`, then a PaymentTimeoutError. */
  readonly timeoutRate: number;
  readonly timeoutMs: number;
}

export const INSTANT: PaymentLatency = { name: '0ms', minMs: 0, maxMs: 0, timeoutRate: 0, timeoutMs: 0 };
/** A card gateway as it answers across the internet: 50–300 ms, 1 % never answered within the caller's 2 s. */
export const REALISTIC: PaymentLatency = {
  name: '50_300ms',
  minMs: 50,
  maxMs: 300,
  timeoutRate: 0.01,
  timeoutMs: 2000,
};

/**
 * The orders module's payment provider simulator behind its `PaymentProvider` interface, with a network's latency:
 * each authorisation waits as `latency` says before the simulator approves it. A timed-out one is still forwarded,
 * late: the caller gets PaymentTimeoutError at `timeoutMs`, and the provider approves the payment a little after
 * (as a real gateway whose answer was lost does), so the customer stays charged unless the caller voids it — before
 * the late approval (the simulator then refuses it) or after (the charge is voided). `settled()` waits for every late
 * approval, so a check of the charges sees them. Void, capture and status answer at once. The saga and the bench's
 * plain anchor are given the same instance, so both wait alike.
 */
export class LatentPayments implements PaymentProvider {
  readonly sim = new SimulatedPaymentProvider();
  readonly #random = seededRandom(7);
  readonly #late = new Set<Promise<unknown>>();
  latency: PaymentLatency = INSTANT;
  timeouts = 0;
  /** Late approvals the provider made after their caller had given up (each one a charge unless it was voided). */
  lateApprovals = 0;

  async authorise(req: { key: string; amountMinor: number; currency: string }) {
    const l = this.latency;
    if (l.timeoutRate > 0 && this.#random() < l.timeoutRate) {
      this.timeouts++;
      await new Promise((r) => setTimeout(r, l.timeoutMs));
      // The answer is lost, not the payment: it reaches the provider 0–300 ms after the caller gave up.
      const late = new Promise((r) => setTimeout(r, this.#random() * 300))
        .then(() => this.sim.authorise(req))
        .then((answer) => {
          if (answer.approved) this.lateApprovals++;
        })
        .finally(() => this.#late.delete(late));
      this.#late.add(late);
      throw new PaymentTimeoutError(`the payment provider did not answer within ${l.timeoutMs} ms`);
    }
    if (l.maxMs > 0) await new Promise((r) => setTimeout(r, l.minMs + this.#random() * (l.maxMs - l.minMs)));
    return this.sim.authorise(req);
  }

  void(key: string) {
    return this.sim.void(key);
  }

  capture(key: string) {
    return this.sim.capture(key);
  }

  status(key: string) {
    return this.sim.status(key);
  }

  /** Resolves once every late approval has reached the provider. */
  async settled(): Promise<void> {
    while (this.#late.size) await Promise.all([...this.#late]);
  }

  /** Money the customer is out of for this order now. */
  charged(key: string): number {
    return this.sim.charged(key);
  }
}
