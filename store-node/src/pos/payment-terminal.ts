/**
 * The card payment terminal: an external party, so behind an interface. The simulator (simulated-terminal.ts) stands
 * in for a real terminal driver in the demo and the tests (whose outcomes the tests choose).
 */
export type Authorisation = { approved: true; reference: string } | { approved: false; reason: string };

/**
 * What the terminal knows of a sale id: its last authorisation's outcome, `pending` while one is in progress (the
 * customer has not tapped yet), `voided` once that approval was cancelled (`void`), or `none` if the terminal was
 * never asked or dropped the request unanswered.
 */
export type TerminalRecord =
  | { state: 'approved'; reference: string; amountMinor: number }
  | { state: 'declined'; reason: string }
  | { state: 'voided'; reference: string }
  | { state: 'pending' }
  | { state: 'none' };

export type VoidOutcome = { voided: true } | { voided: false; reason: string };
export type RefundOutcome = { refunded: true; reference: string } | { refunded: false; reason: string };

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
  /**
   * Cancels the approval `reference` (given for `saleId`) before it settles: the customer is not charged. The till
   * calls it when the sale cannot be recorded after the card was approved, and when a basket with an approved card
   * is voided (by the cashier, or expired). Voiding an approval already voided answers `voided` again. A refusal
   * (unknown reference, another sale's) keeps the basket waiting with the reason for the cashier; a throw means the
   * terminal cannot be reached and the approval may stand: the till keeps the basket waiting and tries again.
   * Required, like `refund`: every integrated card terminal can reverse and refund, and without them the till could
   * not promise that a customer is never charged for goods they did not get.
   */
  void(reference: string, saleId: string): Promise<VoidOutcome>;
  /**
   * Sends `amountMinor` back to the card charged under `reference` (a return of a sale paid by card). Idempotent by
   * `refundId`: asked again with the same id it gives the first answer and never refunds twice, so the till retries
   * a refund whose answer it did not hear with the same id. Refused: an unknown or voided reference, another
   * currency, or more than is left of what was charged under `reference`. A throw: unreachable, the refund may or
   * may not have been made — retry with the same `refundId`.
   */
  refund(reference: string, amountMinor: number, currency: string, refundId: string): Promise<RefundOutcome>;
}

export { SimulatedTerminal, type CardStatement } from './simulated-terminal.js';
