import {
  AppError,
  applyRatePpm,
  ConflictError,
  formatMoney,
  money,
  NotFoundError,
  UnprocessableError,
  uuidv7,
  ValidationError,
} from '@storefleet/shared';
import type { StockLedger } from '../stock/stock-ledger.js';
import type { Emit, StoreSync } from '../sync/store-sync.js';
import { capRefunds, lineTotals, returnable, type TaxRates } from './basket-rules.js';
import type { LaneNumbers } from './lane-numbers.js';
import type { PaymentTerminal, RefundOutcome } from './payment-terminal.js';
import type { LineRow, PosRepository, SaleRow } from './pos-repository.js';
import { ReturnRepository, type ReturnLine, type ReturnRow } from './return-repository.js';
import { returnSlip } from './receipt-text.js';
import { returnWindow, windowClosed } from './return-window.js';
import { emitSaleEvent, saleReturnedPayload } from './sale-events.js';

/** How a return's money went back: in cash, or to the card the sale was paid with (the terminal's refund reference). */
export type RefundTender = { kind: 'CASH' } | { kind: 'CARD'; reference: string };

export interface ReturnAnswer {
  readonly returnId: string;
  /** The return slip's number (`S001-03-R00007`) and the sale's it refers to; null on records from before #17. */
  readonly number: string | null;
  readonly saleNumber: string | null;
  readonly refundMinor: number;
  readonly refund: RefundTender;
  /** The return slip (text for the 80 mm printer): what came back, the refund, and how it went back. */
  readonly slip: string;
}

/**
 * What returns need of the till besides the sale: the store's name and the zone its local time is in (for the slip),
 * and the return window its receipts promise (`STORE_RETURN_DAYS`), which the till enforces.
 */
export interface SlipHeader {
  readonly storeName: string;
  readonly returnWindowDays: number;
  timeZone(): string;
}

type NewReturn = Omit<ReturnRow, 'refundMinor'>;

/**
 * Called inside the write that records a return, once its refund is priced (issue #27), with what the sale's earlier
 * returns refunded already (`refundedBeforeMinor`): refunds over the store's limit need a manager's approval, checked
 * and audited here, so a refusal (it throws) records nothing and an approval is used up only by the return it approved.
 */
export type RefundCheck = (emit: Emit, refundMinor: number, refundedBeforeMinor: number) => void;

/**
 * Returns at the till: never more than was sold (less what came back before), refunded at the sale's prices and never
 * more than was paid, the money going back the way it came.
 *
 * A cash sale's return is one transaction: the return, its stock moves, its `sale.returned` event. A card sale's
 * return asks the terminal in between, so it is written in two steps:
 *
 *   (none) ──write REFUNDING (holds the quantities)──▶ REFUNDING ──terminal refunds──▶ DONE (+ stock moves, event)
 *                                                          │ └──terminal refuses──▶ deleted (nothing returned)
 *                                                          └──terminal unreachable, or the commit fails──▶ stays
 *
 * A return left REFUNDING is asked again with the same refund id (its return id), which the terminal answers without
 * refunding twice: when the lane retries the same return (same sale, same items: that retry's answer is the first
 * return's), before any other return of that sale, at start-up and hourly (`resumeRefunds`).
 */
export class PosReturns {
  readonly repo: ReturnRepository;
  /** The settling of a card return in progress, by return id: one at a time. */
  readonly #settling = new Map<string, Promise<ReturnAnswer>>();

  constructor(
    readonly sync: StoreSync,
    readonly terminal: PaymentTerminal,
    readonly sales: PosRepository,
    readonly stock: StockLedger,
    readonly rates: TaxRates,
    readonly now: () => number,
    readonly numbers: LaneNumbers,
    readonly paper: SlipHeader,
  ) {
    this.repo = new ReturnRepository(sync.db);
  }

  /** `lane`: the lane taking the return back (any lane may: a receipt comes back to any till), whose number the slip gets. */
  async returnItems(
    saleId: string,
    items: readonly { sku: string; qty: number }[],
    lane?: number,
    check?: RefundCheck,
  ): Promise<ReturnAnswer> {
    const sale = this.sales.sale(saleId);
    if (!sale) throw new NotFoundError('sale', saleId);
    if (sale.status !== 'COMPLETED')
      throw new ConflictError(`sale ${sale.number ?? saleId} is ${sale.status}; only completed sales take returns`);
    // A Scan & Go sale was paid in the app (a card charged by the hub): its refund goes back the same way, never as cash
    // from this drawer (pay with a card about to be charged back, return at a lane, walk out with cash).
    if (sale.tender_kind === 'APP')
      throw new UnprocessableError(
        `sale ${sale.number ?? saleId} was paid in the app: the refund goes back through the app — send the customer to customer service`,
        { paidIn: 'APP' },
      );
    if (sale.tender_kind === 'CARD') {
      for (const waiting of this.repo.refunding(saleId)) {
        const settled = this.#settle(sale, waiting);
        if (sameItems(waiting.lines, items)) return settled; // begun inside the window: it finishes, however late
        await settled.catch(() => undefined); // another return's fate is its own; this one is priced after it
      }
    }
    // The node's clock, not the lane's: a lane with a wrong date cannot reopen the window.
    const window = returnWindow(sale.closed_at ?? sale.opened_at, this.paper.returnWindowDays, this.paper.timeZone());
    if (!window.open(this.now()))
      throw new UnprocessableError(windowClosed(sale.number ?? saleId, window), {
        returnsUntil: window.days > 0 ? window.until : null,
      });
    const returnId = uuidv7(this.now());
    const recorded = this.sync.write((emit) => {
      const lines = this.#priced(sale, items);
      // What the sale's other returns refunded (or are refunding) counts too: read in this write, so two returns of
      // one sale at two lanes cannot both pass under the limit.
      check?.(
        emit,
        lines.reduce((n, l) => n + l.refund, 0),
        this.repo.refundedMinor(saleId),
      );
      const byCard = sale.tender_kind === 'CARD' && lines.some((l) => l.refund > 0); // nothing to send back: no terminal
      const r: NewReturn = {
        id: returnId,
        saleId,
        at: this.now(),
        refundKind: byCard ? 'CARD' : 'CASH',
        refundRef: null,
        state: byCard ? 'REFUNDING' : 'DONE',
        number: this.numbers.nextReturn(lane),
        lines,
      };
      this.repo.insert(r);
      if (!byCard) this.#restock(emit, sale, r, null);
      return r;
    });
    return recorded.state === 'DONE' ? this.#answer(sale, recorded, { kind: 'CASH' }) : this.#settle(sale, recorded);
  }

  /** Settles every card return left waiting for the terminal (at start-up, hourly). Never throws. */
  async resumeRefunds(): Promise<{ settled: number; waiting: number }> {
    let settled = 0;
    const waiting = this.repo.refunding();
    for (const r of waiting) {
      const sale = this.sales.sale(r.saleId);
      if (
        sale &&
        (await this.#settle(sale, r).then(
          () => true,
          () => false,
        ))
      )
        settled++;
    }
    return { settled, waiting: waiting.length - settled };
  }

  /** The items priced as a refund at the sale's prices, checked against what may still come back; in the caller's transaction. */
  #priced(sale: SaleRow, items: readonly { sku: string; qty: number }[]): ReturnLine[] {
    const lines = new Map(this.sales.lines(sale.id).map((l) => [l.sku, l]));
    const left = returnable(new Map([...lines].map(([sku, l]) => [sku, l.qty])), this.repo.returnedQty(sale.id));
    const priced = items.map((i) => {
      const line = lines.get(i.sku);
      const label = sale.number ?? sale.id;
      if (!line) throw new ValidationError(`${i.sku} was not sold in sale ${label}`);
      if (i.qty > (left.get(i.sku) ?? 0))
        throw new ConflictError(
          `only ${left.get(i.sku)} of ${line.name} (${i.sku}) from sale ${label} can still be returned`,
        );
      return { sku: i.sku, qty: i.qty, refund: this.#refundOf(sale, line, i.qty, line.qty - (left.get(i.sku) ?? 0)) };
    });
    return capRefunds(priced, sale.total_minor - this.repo.refundedMinor(sale.id));
  }

  /**
   * What `qty` units of a sold line refund, `before` of them having come back already. A line without a discount (every
   * sale before #25) refunds its unit price and the rate's tax on it, as it always did. A discounted line (a 3-for-2,
   * a coupon) refunds each unit's share of what was paid for the line — its net and the tax charged on it, spread
   * evenly with the remainder on the last units — so the line's returns add up to what was paid for it, never more.
   * Policy (hostile review #7): a basket-wide deal (a spend threshold) is not clawed back by a partial return that takes
   * the kept goods under its threshold — each returned unit refunds its share of what was paid, the customer keeps the
   * rest at its share too; re-pricing the kept lines is not built.
   */
  #refundOf(sale: SaleRow, line: LineRow, qty: number, before: number): number {
    const discount = line.discount_minor ?? 0;
    if (!discount)
      return lineTotals(
        { sku: line.sku, unitPriceMinor: line.unit_price_minor, qty, taxClass: line.tax_class },
        this.rates,
        sale.currency,
      ).total.minor;
    const net = line.unit_price_minor * line.qty - discount;
    const tax = line.tax_minor ?? applyRatePpm(money(net, sale.currency), this.rates[line.tax_class] ?? 0).minor;
    const upTo = (amount: number, n: number) => Math.floor((amount * n) / line.qty);
    const share = (amount: number) => upTo(amount, before + qty) - upTo(amount, before);
    return share(net) + share(tax);
  }

  /** The returned goods back on hand, and the hub told, in the transaction that records the return as done. */
  #restock(emit: Emit, sale: SaleRow, r: NewReturn, cardRefundReference: string | null): void {
    this.stock.moveAll(
      emit,
      r.lines.map((l) => ({ sku: l.sku, delta: l.qty })),
      'RETURN',
      r.at,
      sale.id,
    );
    emitSaleEvent(
      emit,
      'sale.returned',
      saleReturnedPayload({
        returnId: r.id,
        saleId: sale.id,
        number: r.number,
        saleNumber: sale.number,
        currency: sale.currency,
        at: r.at,
        lines: r.lines,
        cardRefundReference,
      }),
    );
  }

  #settle(sale: SaleRow, r: NewReturn): Promise<ReturnAnswer> {
    const running = this.#settling.get(r.id);
    if (running) return running;
    const settling = this.#refund(sale, r).finally(() => this.#settling.delete(r.id));
    this.#settling.set(r.id, settling);
    return settling;
  }

  async #refund(sale: SaleRow, r: NewReturn): Promise<ReturnAnswer> {
    if (!sale.tender_ref)
      throw new ConflictError(`sale ${sale.id} was paid by card but has no card reference: refund it by hand`);
    const amount = r.lines.reduce((n, l) => n + l.refund, 0);
    const what = `${formatMoney(money(amount, sale.currency))} to card payment ${sale.tender_ref}`;
    let out: RefundOutcome;
    try {
      out = await this.terminal.refund(sale.tender_ref, amount, sale.currency, r.id);
    } catch (err) {
      throw new AppError(
        'unavailable',
        `the card terminal could not be reached to refund ${what} (${(err as Error).message}): return ${r.id} is kept and its refund asked again when the return is retried`,
      );
    }
    if (!out.refunded) {
      this.sync.write(() => this.repo.deleteRefunding(r.id));
      throw new UnprocessableError(`the card terminal refused to refund ${what}: ${out.reason}; nothing was returned`);
    }
    const reference = out.reference;
    this.sync.write((emit) => {
      if (this.repo.markRefunded(r.id, reference)) this.#restock(emit, sale, r, reference);
    });
    return this.#answer(sale, r, { kind: 'CARD', reference });
  }

  #answer(sale: SaleRow, r: NewReturn, refund: RefundTender): ReturnAnswer {
    const names = new Map(this.sales.lines(sale.id).map((l) => [l.sku, l.name]));
    return {
      returnId: r.id,
      number: r.number,
      saleNumber: sale.number,
      refundMinor: r.lines.reduce((n, l) => n + l.refund, 0),
      refund,
      slip: returnSlip({
        storeName: this.paper.storeName,
        number: r.number,
        returnId: r.id,
        saleNumber: sale.number,
        saleId: sale.id,
        at: r.at,
        timeZone: this.paper.timeZone(),
        currency: sale.currency,
        lines: r.lines.map((l) => ({ ...l, name: names.get(l.sku) ?? l.sku })),
        refund,
      }),
    };
  }
}

function sameItems(lines: readonly ReturnLine[], items: readonly { sku: string; qty: number }[]): boolean {
  const key = (xs: readonly { sku: string; qty: number }[]) => JSON.stringify(xs.map((x) => [x.sku, x.qty]).sort());
  return key(lines) === key(items);
}
