import { AppError, ConflictError, formatMoney, isValidGtin, money, NotFoundError, toGtin14, uuidv7, ValidationError } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import { StockLedger } from '../stock/stock-ledger.js';
import type { StoreSync } from '../sync/store-sync.js';
import { basketTotals, lineTotals, returnable, type PricedLine, type TaxRates } from './basket-rules.js';
import { BasketRepository, type BasketRow } from './basket-repository.js';
import type { Authorisation, PaymentTerminal, TerminalRecord } from './payment-terminal.js';
import { PosRepository, type LineRow, type SaleRow } from './pos-repository.js';

export type Tender = { kind: 'CASH'; givenMinor: number } | { kind: 'CARD' };

export interface SaleView {
  readonly id: string;
  readonly status: SaleRow['status'];
  readonly lines: { sku: string; name: string; qty: number; unitPriceMinor: number; taxClass: string; totalMinor: number }[];
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly currency: string;
  readonly tender: { kind: string; reference: string | null; changeMinor: number | null } | null;
  readonly receipt: string | null;
  /** `AUTHORISING` while the card terminal's answer for this open sale is awaited (the basket cannot change). */
  readonly payment: 'AUTHORISING' | null;
  /** What the cashier must be told about this open basket (how a tender interrupted by a restart ended), or null. */
  readonly note: string | null;
}

const priced = (l: LineRow): PricedLine => ({ sku: l.sku, unitPriceMinor: l.unit_price_minor, qty: l.qty, taxClass: l.tax_class });

/** What this process is doing with a sale right now: tendering it, or settling a tender a previous process left. */
interface Busy {
  readonly kind: 'tender' | 'settle';
  readonly done: Promise<unknown>;
}

const NO_LOOKUP_NOTE =
  'The store node restarted while the card terminal was asked for this sale, and the terminal cannot be asked what ' +
  'happened: check the terminal’s last slip for this sale before taking payment again.';

/**
 * The till. Open baskets are kept in SQLite (schema/002), one small transaction per scan, so a node killed mid-scan
 * (or an Electron crash) brings every lane back to its basket. A completed sale is one SQLite transaction (WAL,
 * synchronous=FULL): the sale, its lines, its stock movements and their outbox events, and the removal of the open
 * basket, so once the receipt prints the sale survives a power cut and reaches the hub exactly once. Voids are written
 * too, for the audit trail.
 *
 * A card tender is marked AUTHORISING on disk before the terminal is asked. A basket found AUTHORISING with no tender
 * running in this process was left by a process that died (or a commit that failed): the terminal is asked what
 * became of that sale id (`lookup`) before any card is asked again — approved: the sale completes with the terminal's
 * reference; declined or never charged: the basket reopens with a note for the cashier; still pending or unreachable:
 * the basket waits and is asked again (at start-up, on every read of the sale, on every tender).
 */
export class PosService {
  readonly repo: PosRepository;
  readonly baskets: BasketRepository;
  readonly stock: StockLedger;
  readonly #busy = new Map<string, Busy>();
  /** Why the last lookup of a waiting basket failed, shown to the cashier until it succeeds. */
  readonly #lookupErrors = new Map<string, string>();

  constructor(
    readonly db: SqliteDb,
    readonly sync: StoreSync,
    readonly terminal: PaymentTerminal,
    readonly rates: TaxRates,
    readonly currency: string,
    readonly storeName: string,
    readonly now: () => number,
  ) {
    this.repo = new PosRepository(db);
    this.baskets = new BasketRepository(db);
    this.stock = new StockLedger(db);
  }

  open(): SaleView {
    const id = uuidv7(this.now());
    this.baskets.open(id, this.now());
    return this.view(id);
  }

  /** Adds a scanned barcode (GTIN-8/12/13/14) or a typed sku. */
  add(saleId: string, code: string, qty: number): SaleView {
    this.#editable(saleId);
    const p = this.repo.product(code, isValidGtin(code) ? toGtin14(code) : undefined);
    if (!p) throw new NotFoundError('product', code);
    const line = this.baskets.line(saleId, p.sku);
    this.baskets.putLine(saleId, { sku: p.sku, name: p.name, tax_class: p.tax_class, unit_price_minor: p.price_minor, qty: (line?.qty ?? 0) + qty });
    return this.view(saleId);
  }

  setQty(saleId: string, sku: string, qty: number): SaleView {
    this.#editable(saleId);
    const line = this.baskets.line(saleId, sku);
    if (!line) throw new NotFoundError('basket line', sku);
    if (qty === 0) this.baskets.deleteLine(saleId, sku);
    else this.baskets.putLine(saleId, { ...line, qty });
    return this.view(saleId);
  }

  async tender(saleId: string, tender: Tender): Promise<SaleView> {
    const busy = this.#busy.get(saleId);
    if (busy?.kind === 'tender') throw new ConflictError(`sale ${saleId} is being tendered`);
    if (busy) await busy.done.catch(() => undefined); // a restart's settling of this sale: its outcome decides below
    return this.#run(saleId, 'tender', () => this.#tender(saleId, tender));
  }

  /**
   * Settles every card tender a previous process left in flight (called once at start-up). Never throws: a basket the
   * terminal cannot answer for yet stays waiting, and is asked again when the lane reads it or tenders it.
   */
  async resumeTenders(): Promise<void> {
    await Promise.all(this.baskets.authorising().map((id) => this.#settleInBackground(id)));
  }

  void(saleId: string): SaleView {
    this.#editable(saleId);
    const basket = this.baskets.basket(saleId)!;
    const at = this.now();
    this.db.transaction(() => {
      this.repo.insertSale(
        { id: saleId, status: 'VOIDED', currency: this.currency, subtotal_minor: 0, tax_minor: 0, total_minor: 0, tender_kind: null, tender_ref: null, cash_given_minor: null, opened_at: basket.opened_at, closed_at: at },
        this.baskets.lines(saleId),
      );
      this.baskets.remove(saleId);
    })();
    return this.view(saleId);
  }

  /** Returns items of a completed sale: never more than were sold (less what came back before); refunds at the sale's prices. */
  returnItems(saleId: string, items: { sku: string; qty: number }[]): { returnId: string; refundMinor: number; sale: SaleView } {
    const sale = this.repo.sale(saleId);
    if (!sale) throw new NotFoundError('sale', saleId);
    if (sale.status !== 'COMPLETED') throw new ConflictError(`sale ${saleId} is ${sale.status}; only completed sales take returns`);
    const returnId = uuidv7(this.now());
    const refundMinor = this.sync.write((emit) => {
      const lines = new Map(this.repo.lines(saleId).map((l) => [l.sku, l]));
      const left = returnable(new Map([...lines].map(([sku, l]) => [sku, l.qty])), this.repo.returnedQty(saleId));
      const at = this.now();
      const refunds = items.map((i) => {
        const line = lines.get(i.sku);
        if (!line) throw new ValidationError(`${i.sku} was not sold in sale ${saleId}`);
        if (i.qty > (left.get(i.sku) ?? 0)) throw new ConflictError(`only ${left.get(i.sku)} of ${i.sku} from sale ${saleId} can still be returned`);
        return { sku: i.sku, qty: i.qty, refund: lineTotals({ ...priced(line), qty: i.qty }, this.rates, this.currency).total.minor };
      });
      this.repo.insertReturn(returnId, saleId, refunds, at);
      this.stock.moveAll(emit, refunds.map((r) => ({ sku: r.sku, delta: r.qty })), 'RETURN', at, saleId);
      return refunds.reduce((n, r) => n + r.refund, 0);
    });
    return { returnId, refundMinor, sale: this.view(saleId) };
  }

  view(saleId: string): SaleView {
    const basket = this.baskets.basket(saleId);
    if (basket) {
      if (basket.tender_state === 'AUTHORISING' && !this.#busy.has(saleId)) void this.#settleInBackground(saleId);
      const s: SaleRow = { id: saleId, status: 'OPEN', currency: this.currency, subtotal_minor: 0, tax_minor: 0, total_minor: 0, tender_kind: null, tender_ref: null, cash_given_minor: null, opened_at: basket.opened_at, closed_at: null };
      return this.#viewOf(s, this.baskets.lines(saleId), basket);
    }
    const s = this.repo.sale(saleId);
    if (!s) throw new NotFoundError('sale', saleId);
    return this.#viewOf(s, this.repo.lines(saleId));
  }

  #viewOf(s: SaleRow, lines: readonly LineRow[], basket?: BasketRow): SaleView {
    const done = s.status === 'COMPLETED';
    const t = done ? { subtotal: { minor: s.subtotal_minor }, tax: { minor: s.tax_minor }, total: { minor: s.total_minor } } : basketTotals(lines.map(priced), this.rates, s.currency);
    const change = s.tender_kind === 'CASH' && s.cash_given_minor !== null ? s.cash_given_minor - s.total_minor : null;
    return {
      id: s.id,
      status: s.status,
      lines: lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, unitPriceMinor: l.unit_price_minor, taxClass: l.tax_class, totalMinor: l.unit_price_minor * l.qty })),
      subtotalMinor: t.subtotal.minor,
      taxMinor: t.tax.minor,
      totalMinor: t.total.minor,
      currency: s.currency,
      tender: s.tender_kind ? { kind: s.tender_kind, reference: s.tender_ref, changeMinor: change } : null,
      receipt: done ? this.#receipt(s, lines, change) : null,
      payment: basket?.tender_state === 'AUTHORISING' ? 'AUTHORISING' : null,
      note: basket ? (this.#lookupErrors.get(s.id) ?? basket.note) : null,
    };
  }

  #receipt(s: SaleRow, lines: readonly LineRow[], change: number | null): string {
    const m = (minor: number) => formatMoney(money(minor, s.currency));
    const row = (left: string, right: string) => `${left.slice(0, 30).padEnd(30)}${right.padStart(12)}`;
    return [
      this.storeName,
      new Date(s.closed_at ?? s.opened_at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
      `Sale ${s.id}`,
      '-'.repeat(42),
      ...lines.map((l) => row(`${l.qty} x ${l.name}`, m(l.unit_price_minor * l.qty))),
      '-'.repeat(42),
      row('Subtotal', m(s.subtotal_minor)),
      row('Tax', m(s.tax_minor)),
      row('TOTAL', m(s.total_minor)),
      row(s.tender_kind === 'CARD' ? `Card ${s.tender_ref ?? ''}` : 'Cash', m(s.cash_given_minor ?? s.total_minor)),
      ...(change !== null ? [row('Change', m(change))] : []),
    ].join('\n');
  }

  /** The basket of an open sale that may change now: not being tendered, not waiting for the terminal's answer. */
  #editable(saleId: string): void {
    const basket = this.baskets.basket(saleId);
    if (!basket) throw this.#notOpen(saleId);
    if (basket.tender_state === 'AUTHORISING') throw new ConflictError(`sale ${saleId} is waiting for the card terminal to say whether it was paid`);
    if (this.#busy.has(saleId)) throw new ConflictError(`sale ${saleId} is being tendered`);
  }

  #notOpen(saleId: string): AppError {
    const s = this.repo.sale(saleId);
    return s ? new ConflictError(`sale ${saleId} is ${s.status}`) : new NotFoundError('sale', saleId);
  }

  /** Runs `work` as the one thing this process does with the sale until it settles. */
  async #run<T>(saleId: string, kind: Busy['kind'], work: () => Promise<T>): Promise<T> {
    const done = work();
    this.#busy.set(saleId, { kind, done });
    try {
      return await done;
    } finally {
      this.#busy.delete(saleId);
    }
  }

  async #tender(saleId: string, tender: Tender): Promise<SaleView> {
    let basket = this.baskets.basket(saleId);
    if (!basket) throw this.#notOpen(saleId);
    if (basket.tender_state === 'AUTHORISING') {
      // A card was being asked when a previous process died: the terminal's answer for this sale decides, not a new card.
      const outcome = await this.#settle(saleId);
      if (outcome.state === 'completed') return outcome.sale;
      if (outcome.state === 'waiting') throw new ConflictError(`${outcome.why}; the sale stays open and is asked again`);
      basket = this.baskets.basket(saleId)!;
    }
    const lines = this.baskets.lines(saleId);
    if (!lines.length) throw new ValidationError('the basket is empty');
    const t = basketTotals(lines.map(priced), this.rates, this.currency);
    if (tender.kind === 'CASH' && tender.givenMinor < t.total.minor) {
      throw new ValidationError(`cash given (${formatMoney(money(tender.givenMinor, this.currency))}) is less than the total (${formatMoney(t.total)})`);
    }
    let ref: string | null = null;
    if (tender.kind === 'CARD') {
      this.baskets.setTender(saleId, { state: 'AUTHORISING', amountMinor: t.total.minor, at: this.now() });
      let auth: Authorisation;
      try {
        auth = await this.terminal.authorise(t.total.minor, this.currency, saleId);
      } catch (err) {
        // The card may or may not have been charged. A terminal that can be asked keeps the basket waiting, so the
        // retry asks it first; one that cannot leaves the cashier to decide, as before.
        if (!this.terminal.lookup) this.baskets.setTender(saleId, { state: 'NONE', note: null });
        throw err;
      }
      if (!auth.approved) {
        this.baskets.setTender(saleId, { state: 'NONE', note: null });
        throw new AppError('unprocessable', `card declined: ${auth.reason}`, { declined: true });
      }
      ref = auth.reference;
    }
    // If this commit fails after an approval, the basket stays AUTHORISING and the retry completes it with the
    // terminal's reference instead of charging again.
    return this.#complete(saleId, basket.opened_at, lines, tender, ref);
  }

  async #complete(saleId: string, openedAt: number, lines: LineRow[], tender: Tender, ref: string | null): Promise<SaleView> {
    const t = basketTotals(lines.map(priced), this.rates, this.currency);
    const at = this.now();
    const row: SaleRow = {
      id: saleId,
      status: 'COMPLETED',
      currency: this.currency,
      subtotal_minor: t.subtotal.minor,
      tax_minor: t.tax.minor,
      total_minor: t.total.minor,
      tender_kind: tender.kind,
      tender_ref: ref,
      cash_given_minor: tender.kind === 'CASH' ? tender.givenMinor : null,
      opened_at: openedAt,
      closed_at: at,
    };
    await this.sync.writeGrouped((emit) => {
      this.repo.insertSale(row, lines);
      this.stock.moveAll(emit, lines.map((l) => ({ sku: l.sku, delta: -l.qty })), 'SALE', at, saleId);
      this.baskets.remove(saleId);
    });
    return this.#viewOf(row, lines); // what was just committed; no need to read it back
  }

  /** Settles a tender left in flight, as the one thing done with the sale; failures stay visible on the basket. */
  async #settleInBackground(saleId: string): Promise<void> {
    if (this.#busy.has(saleId)) return;
    await this.#run(saleId, 'settle', () => this.#settle(saleId)).catch((err: unknown) => {
      this.#lookupErrors.set(saleId, `the sale could not be settled: ${(err as Error).message}`);
    });
  }

  async #settle(saleId: string): Promise<
    { state: 'completed'; sale: SaleView } | { state: 'reopened' } | { state: 'waiting'; why: string }
  > {
    const basket = this.baskets.basket(saleId);
    if (!basket || basket.tender_state !== 'AUTHORISING') return { state: 'reopened' };
    if (!this.terminal.lookup) {
      this.baskets.setTender(saleId, { state: 'NONE', note: NO_LOOKUP_NOTE });
      return { state: 'reopened' };
    }
    let r: TerminalRecord;
    try {
      r = await this.terminal.lookup(saleId);
    } catch (err) {
      const why = `the card terminal could not be asked whether sale ${saleId} was paid (${(err as Error).message})`;
      this.#lookupErrors.set(saleId, why);
      return { state: 'waiting', why };
    }
    this.#lookupErrors.delete(saleId);
    switch (r.state) {
      case 'approved': {
        if (r.amountMinor !== basket.tender_amount_minor) {
          const why = `the card terminal approved ${formatMoney(money(r.amountMinor, this.currency))} for sale ${saleId}, not the ${formatMoney(money(basket.tender_amount_minor ?? 0, this.currency))} asked: call a supervisor`;
          this.#lookupErrors.set(saleId, why);
          return { state: 'waiting', why };
        }
        return { state: 'completed', sale: await this.#complete(saleId, basket.opened_at, this.baskets.lines(saleId), { kind: 'CARD' }, r.reference) };
      }
      case 'declined':
        this.baskets.setTender(saleId, { state: 'NONE', note: `The card was declined (${r.reason}) before the store node restarted: take payment again.` });
        return { state: 'reopened' };
      case 'none':
        this.baskets.setTender(saleId, { state: 'NONE', note: 'The card was not charged: the store node restarted before the terminal answered. Take payment again.' });
        return { state: 'reopened' };
      case 'pending':
        return { state: 'waiting', why: `the card terminal is still working on sale ${saleId}` };
    }
  }
}
