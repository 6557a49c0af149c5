import { AppError, ConflictError, formatMoney, isValidGtin, money, NotFoundError, toGtin14, uuidv7, ValidationError } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import { StockLedger } from '../stock/stock-ledger.js';
import type { StoreSync } from '../sync/store-sync.js';
import { basketTotals, lineTotals, returnable, type PricedLine, type TaxRates } from './basket-rules.js';
import type { PaymentTerminal } from './payment-terminal.js';
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
}

const priced = (l: LineRow): PricedLine => ({ sku: l.sku, unitPriceMinor: l.unit_price_minor, qty: l.qty, taxClass: l.tax_class });

interface Basket {
  readonly id: string;
  readonly openedAt: number;
  readonly lines: Map<string, LineRow>;
  /** Set while a card is being authorised or the sale commits, so the basket cannot change or be tendered twice. */
  paying: boolean;
}

/**
 * The till. An open basket lives in memory: scanning costs no disk write, and a basket lost in a power cut is
 * harmless (the customer is still at the lane). A completed sale is one SQLite transaction (WAL, synchronous=FULL):
 * the sale, its lines, its stock movements and their outbox events, so once the receipt prints the sale survives a
 * power cut and reaches the hub exactly once. Card authorisation happens before that transaction; a declined card
 * leaves the basket open. Voids are written too, for the audit trail.
 */
export class PosService {
  readonly repo: PosRepository;
  readonly stock: StockLedger;
  readonly #baskets = new Map<string, Basket>();

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
    this.stock = new StockLedger(db);
  }

  open(): SaleView {
    const id = uuidv7(this.now());
    this.#baskets.set(id, { id, openedAt: this.now(), lines: new Map(), paying: false });
    return this.view(id);
  }

  /** Adds a scanned barcode (GTIN-8/12/13/14) or a typed sku. */
  add(saleId: string, code: string, qty: number): SaleView {
    const basket = this.#open(saleId);
    const p = this.repo.product(code, isValidGtin(code) ? toGtin14(code) : undefined);
    if (!p) throw new NotFoundError('product', code);
    const line = basket.lines.get(p.sku);
    basket.lines.set(p.sku, { sku: p.sku, name: p.name, tax_class: p.tax_class, unit_price_minor: p.price_minor, qty: (line?.qty ?? 0) + qty });
    return this.view(saleId);
  }

  setQty(saleId: string, sku: string, qty: number): SaleView {
    const basket = this.#open(saleId);
    const line = basket.lines.get(sku);
    if (!line) throw new NotFoundError('basket line', sku);
    if (qty === 0) basket.lines.delete(sku);
    else basket.lines.set(sku, { ...line, qty });
    return this.view(saleId);
  }

  async tender(saleId: string, tender: Tender): Promise<SaleView> {
    const basket = this.#open(saleId);
    const lines = [...basket.lines.values()];
    if (!lines.length) throw new ValidationError('the basket is empty');
    const t = basketTotals(lines.map(priced), this.rates, this.currency);
    let ref: string | null = null;
    if (tender.kind === 'CASH' && tender.givenMinor < t.total.minor) {
      throw new ValidationError(`cash given (${formatMoney(money(tender.givenMinor, this.currency))}) is less than the total (${formatMoney(t.total)})`);
    }
    if (tender.kind === 'CARD') {
      basket.paying = true;
      try {
        const auth = await this.terminal.authorise(t.total.minor, this.currency, saleId);
        if (!auth.approved) throw new AppError('unprocessable', `card declined: ${auth.reason}`, { declined: true });
        ref = auth.reference;
      } finally {
        basket.paying = false;
      }
    }
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
      opened_at: basket.openedAt,
      closed_at: at,
    };
    basket.paying = true; // closing: no changes while the commit is pending
    try {
      await this.sync.writeGrouped((emit) => {
        this.repo.insertSale(row, lines);
        this.stock.moveAll(emit, lines.map((l) => ({ sku: l.sku, delta: -l.qty })), 'SALE', at, saleId);
      });
    } finally {
      basket.paying = false;
    }
    this.#baskets.delete(saleId);
    return this.#viewOf(row, lines); // what was just committed; no need to read it back
  }

  void(saleId: string): SaleView {
    const basket = this.#open(saleId);
    const at = this.now();
    this.db.transaction(() =>
      this.repo.insertSale(
        { id: saleId, status: 'VOIDED', currency: this.currency, subtotal_minor: 0, tax_minor: 0, total_minor: 0, tender_kind: null, tender_ref: null, cash_given_minor: null, opened_at: basket.openedAt, closed_at: at },
        [...basket.lines.values()],
      ),
    )();
    this.#baskets.delete(saleId);
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
    const basket = this.#baskets.get(saleId);
    const s: SaleRow | undefined = basket
      ? { id: basket.id, status: 'OPEN', currency: this.currency, subtotal_minor: 0, tax_minor: 0, total_minor: 0, tender_kind: null, tender_ref: null, cash_given_minor: null, opened_at: basket.openedAt, closed_at: null }
      : this.repo.sale(saleId);
    if (!s) throw new NotFoundError('sale', saleId);
    return this.#viewOf(s, basket ? [...basket.lines.values()] : this.repo.lines(saleId));
  }

  #viewOf(s: SaleRow, lines: readonly LineRow[]): SaleView {
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

  #open(saleId: string): Basket {
    const basket = this.#baskets.get(saleId);
    if (basket && basket.paying) throw new ConflictError(`sale ${saleId} is being tendered`);
    if (basket) return basket;
    const s = this.repo.sale(saleId);
    if (!s) throw new NotFoundError('sale', saleId);
    throw new ConflictError(`sale ${saleId} is ${s.status}`);
  }
}
