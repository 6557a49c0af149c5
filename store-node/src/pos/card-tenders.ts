import { ConflictError, formatMoney, money } from '@storefleet/shared';
import type { BasketRepository, BasketRow } from './basket-repository.js';
import type { PaymentTerminal, TerminalRecord, VoidOutcome } from './payment-terminal.js';
import type { SaleView } from './sale-view.js';

/** What became of a card tender left in flight (or of an approval whose sale could not be recorded). */
export type Settled =
  | { state: 'completed'; sale: SaleView }
  | { state: 'reopened' }
  | { state: 'waiting'; why: string };

/** Records the sale as paid by the card approval `reference`; throws if the commit fails (nothing recorded). */
export type CompleteByCard = (reference: string) => Promise<SaleView>;

const NO_LOOKUP_NOTE =
  'The store node restarted while the card terminal was asked for this sale, and the terminal cannot be asked what ' +
  'happened: check the terminal’s last slip for this sale before taking payment again.';

/**
 * The card side of an open basket, once the terminal has been asked. Which failure keeps a card approval and which
 * voids it:
 *
 * - The process dies between the approval and the commit: nothing was decided against the sale, so at restart the
 *   terminal's answer for the sale id decides (`settle`): approved → the sale completes with that payment.
 * - The commit throws after the approval (disk full, an I/O error, an event the hub would refuse, a bug): nothing of
 *   the sale is on disk and the customer must not leave charged for goods they did not get, so the approval is voided
 *   at once and the basket reopens with a note saying so (`completeOrVoid`).
 * - That void fails (terminal unreachable, or it refuses): the approval stands and is kept on the basket (AUTHORISING,
 *   `tender_ref`, a note). Every later settle (a read of the sale, the cashier's retry, start-up) tries the commit
 *   again — it may succeed now, and the sale completes with that payment — and voids again if it fails. Voiding the
 *   basket (the cashier, or expiry) voids the approval first (`cancel`).
 *
 * A note that cannot be written (the disk is full) is kept in memory and shown until it can.
 */
export class CardTenders {
  /** What the cashier must be told beyond the basket's row (a failed look-up, a note the disk refused). */
  readonly #notes = new Map<string, string>();
  /** Approvals kept on baskets whose row could not take them (the disk is full). */
  readonly #approvals = new Map<string, string>();

  constructor(
    readonly terminal: PaymentTerminal,
    readonly baskets: BasketRepository,
    readonly currency: string,
  ) {}

  note(saleId: string): string | undefined {
    return this.#notes.get(saleId);
  }

  /** The basket closed (sold or voided): nothing more to tell about its card. */
  forget(saleId: string): void {
    this.#notes.delete(saleId);
    this.#approvals.delete(saleId);
  }

  /** A settle that failed outright (a note the disk refused): the cashier sees why, unless a note says more already. */
  failed(saleId: string, err: unknown): void {
    if (!this.#notes.has(saleId)) this.#notes.set(saleId, `the sale could not be settled: ${(err as Error).message}`);
  }

  /** Records the sale paid by the approval `reference`; if that fails, voids the approval (see above) and throws. */
  async completeOrVoid(saleId: string, reference: string, complete: CompleteByCard): Promise<SaleView> {
    try {
      return await complete(reference);
    } catch (err) {
      // The commit's error is what the lane hears; the basket's note says what became of the card.
      await this.#voidApproval(saleId, reference, `the sale could not be recorded: ${(err as Error).message}`).catch(
        () => undefined,
      );
      throw err;
    }
  }

  /**
   * Settles a basket found AUTHORISING with no tender running: the terminal's record for the sale decides. Throws only
   * if a note cannot be written.
   */
  async settle(saleId: string, complete: CompleteByCard): Promise<Settled> {
    const basket = this.baskets.basket(saleId);
    if (basket?.tender_state !== 'AUTHORISING') return { state: 'reopened' };
    const known = basket.tender_ref ?? this.#approvals.get(saleId);
    if (!this.terminal.lookup) {
      // Without a look-up an approval cannot be confirmed as still standing: void a known one, never complete on it.
      if (known)
        return (await this.#voidApproval(saleId, known, null))
          ? { state: 'reopened' }
          : { state: 'waiting', why: this.#notes.get(saleId)! };
      this.#reopen(saleId, NO_LOOKUP_NOTE);
      return { state: 'reopened' };
    }
    let r: TerminalRecord;
    try {
      r = await this.terminal.lookup(saleId);
    } catch (err) {
      const why = `the card terminal could not be asked whether sale ${saleId} was paid (${(err as Error).message})`;
      this.#notes.set(saleId, why);
      return { state: 'waiting', why };
    }
    this.#notes.delete(saleId);
    switch (r.state) {
      case 'approved': {
        if (r.amountMinor !== basket.tender_amount_minor) {
          const why = `the card terminal approved ${this.#money(r.amountMinor)} for sale ${saleId}, not the ${this.#money(basket.tender_amount_minor ?? 0)} asked: call a supervisor`;
          this.#notes.set(saleId, why);
          return { state: 'waiting', why };
        }
        return { state: 'completed', sale: await this.completeOrVoid(saleId, r.reference, complete) };
      }
      case 'voided':
        this.#reopen(
          saleId,
          `The card payment ${r.reference} was voided at the terminal: the customer was not charged. Take payment again.`,
        );
        return { state: 'reopened' };
      case 'declined':
        this.#reopen(
          saleId,
          `The card was declined (${r.reason}) before the store node restarted: take payment again.`,
        );
        return { state: 'reopened' };
      case 'none':
        this.#reopen(
          saleId,
          'The card was not charged: the store node restarted before the terminal answered. Take payment again.',
        );
        return { state: 'reopened' };
      case 'pending':
        return { state: 'waiting', why: `the card terminal is still working on sale ${saleId}` };
    }
  }

  /**
   * For voiding an AUTHORISING basket: voids the card approved for it at the terminal. Returns the voided approval's
   * reference, or null when no card was charged; throws a ConflictError (the basket stays) when the terminal cannot
   * say or will not void.
   */
  async cancel(saleId: string, basket: BasketRow): Promise<string | null> {
    let reference = basket.tender_ref ?? this.#approvals.get(saleId) ?? null;
    if (!reference && this.terminal.lookup) {
      let r: TerminalRecord;
      try {
        r = await this.terminal.lookup(saleId);
      } catch (err) {
        throw new ConflictError(
          `the card terminal cannot be asked whether sale ${saleId} was paid (${(err as Error).message}): the sale stays open; void it again when the terminal answers`,
        );
      }
      if (r.state === 'pending')
        throw new ConflictError(
          `the card terminal is still waiting for the customer's card for sale ${saleId}: cancel it on the terminal, then void again`,
        );
      if (r.state === 'voided') return r.reference;
      reference = r.state === 'approved' ? r.reference : null;
    }
    if (!reference) return null;
    let v: VoidOutcome;
    try {
      v = await this.terminal.void(reference, saleId);
    } catch (err) {
      throw new ConflictError(
        `the card terminal could not be reached to void card payment ${reference} (${(err as Error).message}): the sale stays open with the card approved; void it again`,
      );
    }
    if (!v.voided)
      throw new ConflictError(
        `the card terminal would not void card payment ${reference} (${v.reason}): the sale stays open; call a supervisor`,
      );
    return reference;
  }

  /** Voids an approval whose sale was not recorded; true if voided (basket reopened), false if kept (basket waits). */
  async #voidApproval(saleId: string, reference: string, why: string | null): Promise<boolean> {
    let v: VoidOutcome;
    try {
      v = await this.terminal.void(reference, saleId);
    } catch (err) {
      v = { voided: false, reason: `the terminal could not be reached: ${(err as Error).message}` };
    }
    const because = why ? ` (${why})` : '';
    if (v.voided) {
      this.#reopen(
        saleId,
        `The card was approved but the sale was not completed${because}, so card payment ${reference} was voided: the customer was not charged. Take payment again.`,
      );
      return true;
    }
    const note =
      `The card was approved (${reference}) but the sale was not completed${because}, and the card terminal could not void it ` +
      `(${v.reason}): the sale completes with this payment once it can be recorded, or void the sale to void the card.`;
    this.#approvals.set(saleId, reference);
    this.#notes.set(saleId, note);
    try {
      this.baskets.keepApproval(saleId, reference, note);
    } catch {
      // the disk refused it: kept in memory until the next settle
    }
    return false;
  }

  /** Back to an editable basket with a note for the cashier; kept in memory (and the error thrown) if the disk refuses. */
  #reopen(saleId: string, note: string): void {
    try {
      this.baskets.setTender(saleId, { state: 'NONE', note });
    } catch (err) {
      this.#notes.set(saleId, note);
      throw err;
    }
    this.forget(saleId);
  }

  #money(minor: number): string {
    return formatMoney(money(minor, this.currency));
  }
}
