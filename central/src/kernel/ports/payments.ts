import { definePort } from '../ports.js';

/**
 * The payment provider, an external party behind an interface. Every call carries the payment's key, so a retry
 * (after a timeout or a hub restart) never charges twice; `void` of a key the provider has not approved yet is
 * remembered, and a late approval for it is voided at once. `authorise` only holds the money; `capture` takes it.
 */
export interface PaymentProvider {
  /** Throws PaymentTimeoutError when the provider does not answer in time (it may still approve later). */
  authorise(req: {
    key: string;
    amountMinor: number;
    currency: string;
  }): Promise<{ approved: true; ref: string } | { approved: false; reason: string }>;
  /** Cancels an authorisation or refunds a charge; idempotent. */
  void(key: string): Promise<void>;
  /** Takes the authorised money (the goods were handed over); idempotent. Throws when nothing is authorised under the key. */
  capture(key: string): Promise<void>;
  /** What the provider holds for the key, for recovery after a timeout or a crash. */
  status(key: string): Promise<PaymentStatus>;
}

export type PaymentStatus = 'APPROVED' | 'CAPTURED' | 'DECLINED' | 'VOIDED' | 'REFUNDED' | 'UNKNOWN';

export class PaymentTimeoutError extends Error {
  override readonly name = 'PaymentTimeoutError';
}

/**
 * The payment provider the hub's orders take money with (the one the hub was handed, else the adapter its settings
 * name), for other modules that take money (booking): one provider, one set of keys, one configuration. Provided by
 * the orders module; a production hub with no provider configured hands out one that refuses every payment.
 */
export const PAYMENTS = definePort<PaymentProvider>(
  'orders.payments',
  'the payment provider the hub takes money with, shared by every module that charges customers',
);
