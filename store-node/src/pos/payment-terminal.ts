/**
 * The card payment terminal: an external party, so behind an interface. The simulator stands in for a real terminal
 * driver in the demo and the tests (whose outcomes the tests choose).
 */
export type Authorisation = { approved: true; reference: string } | { approved: false; reason: string };

/**
 * What the terminal knows of a sale id: its last authorisation's outcome, `pending` while one is in progress (the
 * customer has not tapped yet), or `none` if the terminal was never asked or dropped the request unanswered.
 */
export type TerminalRecord =
  | { state: 'approved'; reference: string; amountMinor: number }
  | { state: 'declined'; reason: string }
  | { state: 'pending' }
  | { state: 'none' };

export interface PaymentTerminal {
  /** Asks the customer's card for `amountMinor`; resolves when the terminal answers. */
  authorise(amountMinor: number, currency: string, saleId: string): Promise<Authorisation>;
  /**
   * Asks the terminal what became of the authorisation for `saleId`, without touching the card. The till calls it
   * for a tender that was in flight when the store node died (at start-up, and again when the cashier presses Card),
   * so a sale is neither charged twice nor left paid but open. A throw means the terminal cannot be reached: the
   * basket stays waiting and is asked again. A terminal without it leaves the decision to the cashier (the basket
   * reopens with a note to check the terminal's last slip first).
   */
  lookup?(saleId: string): Promise<TerminalRecord>;
}

export class SimulatedTerminal implements PaymentTerminal {
  readonly #next: Authorisation[] = [];
  readonly #bySale = new Map<string, TerminalRecord>();
  #counter = 0;
  /** Cards actually asked (approved or declined): a sale charged twice shows here. */
  authorisations = 0;

  /** Queues the answer for the next card (default: approved). */
  willAnswer(a: Authorisation): void {
    this.#next.push(a);
  }

  async authorise(amountMinor: number, _currency: string, saleId: string): Promise<Authorisation> {
    if (amountMinor <= 0) return { approved: false, reason: 'amount must be positive' };
    this.authorisations++;
    const a = this.#next.shift() ?? { approved: true, reference: `SIM-${saleId.slice(-6)}-${++this.#counter}` };
    this.#bySale.set(saleId, a.approved ? { state: 'approved', reference: a.reference, amountMinor } : { state: 'declined', reason: a.reason });
    return a;
  }

  async lookup(saleId: string): Promise<TerminalRecord> {
    return this.#bySale.get(saleId) ?? { state: 'none' };
  }
}
