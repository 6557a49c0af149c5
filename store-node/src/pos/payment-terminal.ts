/**
 * The card payment terminal: an external party, so behind an interface. The simulator stands in for a real terminal
 * driver in the demo and the tests (whose outcomes the tests choose).
 */
export type Authorisation = { approved: true; reference: string } | { approved: false; reason: string };

export interface PaymentTerminal {
  /** Asks the customer's card for `amountMinor`; resolves when the terminal answers. */
  authorise(amountMinor: number, currency: string, saleId: string): Promise<Authorisation>;
}

export class SimulatedTerminal implements PaymentTerminal {
  readonly #next: Authorisation[] = [];
  #counter = 0;

  /** Queues the answer for the next card (default: approved). */
  willAnswer(a: Authorisation): void {
    this.#next.push(a);
  }

  async authorise(amountMinor: number, _currency: string, saleId: string): Promise<Authorisation> {
    if (amountMinor <= 0) return { approved: false, reason: 'amount must be positive' };
    return this.#next.shift() ?? { approved: true, reference: `SIM-${saleId.slice(-6)}-${++this.#counter}` };
  }
}
