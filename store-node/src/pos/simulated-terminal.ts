import { formatMoney, money } from '@storefleet/shared';
import type { Authorisation, PaymentTerminal, RefundOutcome, TerminalRecord, VoidOutcome } from './payment-terminal.js';

/** What a card was charged under one approval, as the terminal (and the customer's statement) sees it. */
export interface CardStatement {
  readonly saleId: string;
  readonly currency: string;
  readonly authorisedMinor: number;
  readonly voided: boolean;
  readonly refundedMinor: number;
  /** What the customer pays in the end: nothing once voided, else what was authorised less what was refunded. */
  readonly chargedMinor: number;
}

interface Payment {
  saleId: string;
  currency: string;
  amountMinor: number;
  voided: boolean;
  refundedMinor: number;
}

/**
 * A card terminal for the demo and the tests: approves unless told otherwise (`willAnswer`), and keeps what each card
 * went through — approvals, voids, refunds — so a test (or a cashier at the demo) can read what the customer was
 * charged (`statement`). It refuses what a real terminal refuses: a refund over what is left of the payment, a
 * refund or void of an unknown or voided payment; the same refund id twice gets the first answer.
 */
export class SimulatedTerminal implements PaymentTerminal {
  readonly #next: Authorisation[] = [];
  readonly #bySale = new Map<string, TerminalRecord>();
  readonly #payments = new Map<string, Payment>();
  readonly #refunds = new Map<string, { reference: string; amountMinor: number; outcome: RefundOutcome }>();
  #counter = 0;
  /** Cards actually asked (approved or declined): a sale charged twice shows here. */
  authorisations = 0;
  /** Refunds actually made (not repeats of a refund id): a refund made twice shows here. */
  refundsMade = 0;

  /** Queues the answer for the next card (default: approved). */
  willAnswer(a: Authorisation): void {
    this.#next.push(a);
  }

  async authorise(amountMinor: number, currency: string, saleId: string): Promise<Authorisation> {
    if (amountMinor <= 0) return { approved: false, reason: 'amount must be positive' };
    this.authorisations++;
    const a = this.#next.shift() ?? { approved: true, reference: `SIM-${saleId.slice(-6)}-${++this.#counter}` };
    this.#bySale.set(
      saleId,
      a.approved ? { state: 'approved', reference: a.reference, amountMinor } : { state: 'declined', reason: a.reason },
    );
    if (a.approved) this.#payments.set(a.reference, { saleId, currency, amountMinor, voided: false, refundedMinor: 0 });
    return a;
  }

  async lookup(saleId: string): Promise<TerminalRecord> {
    return this.#bySale.get(saleId) ?? { state: 'none' };
  }

  async void(reference: string, saleId: string): Promise<VoidOutcome> {
    const p = this.#payments.get(reference);
    if (!p || p.saleId !== saleId) return { voided: false, reason: `no card payment ${reference} for sale ${saleId}` };
    if (p.refundedMinor > 0) return { voided: false, reason: `card payment ${reference} was partly refunded already` };
    p.voided = true;
    this.#bySale.set(saleId, { state: 'voided', reference });
    return { voided: true };
  }

  async refund(reference: string, amountMinor: number, currency: string, refundId: string): Promise<RefundOutcome> {
    const before = this.#refunds.get(refundId);
    if (before) {
      if (before.reference === reference && before.amountMinor === amountMinor) return before.outcome;
      return { refunded: false, reason: `refund id ${refundId} was used for another refund` };
    }
    const outcome = this.#refund(reference, amountMinor, currency, refundId);
    this.#refunds.set(refundId, { reference, amountMinor, outcome });
    return outcome;
  }

  #refund(reference: string, amountMinor: number, currency: string, refundId: string): RefundOutcome {
    const p = this.#payments.get(reference);
    if (!p) return { refunded: false, reason: `no card payment ${reference}` };
    if (p.voided) return { refunded: false, reason: `card payment ${reference} was voided: nothing was charged` };
    if (currency !== p.currency)
      return { refunded: false, reason: `card payment ${reference} was in ${p.currency}, not ${currency}` };
    const left = p.amountMinor - p.refundedMinor;
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0)
      return { refunded: false, reason: 'a refund must be a positive amount' };
    if (amountMinor > left) {
      const m = (minor: number) => formatMoney(money(minor, currency));
      return {
        refunded: false,
        reason: `a refund of ${m(amountMinor)} is more than the ${m(left)} left on card payment ${reference}`,
      };
    }
    p.refundedMinor += amountMinor;
    this.refundsMade++;
    return { refunded: true, reference: `SIMR-${refundId.slice(-6)}-${++this.#counter}` };
  }

  /** What the card paid under `reference` comes to, or undefined if the terminal never approved it. */
  statement(reference: string): CardStatement | undefined {
    const p = this.#payments.get(reference);
    if (!p) return undefined;
    const chargedMinor = p.voided ? 0 : p.amountMinor - p.refundedMinor;
    return {
      saleId: p.saleId,
      currency: p.currency,
      authorisedMinor: p.amountMinor,
      voided: p.voided,
      refundedMinor: p.refundedMinor,
      chargedMinor,
    };
  }
}
