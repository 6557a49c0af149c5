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

/**
 * The till. A completed sale is one SQLite transaction (WAL, synchronous=FULL): the sale, its stock movements and
 * their outbox events, so once the receipt prints the sale survives a power cut and reaches the hub exactly once.
 * Card authorisation happens before that transaction; a declined card leaves the basket open.
 */
export class PosService {
  readonly repo: PosRepository;
  readonly stock: StockLedger;

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
    this.repo.openSale(id, this.currency, this.now());
    return this.view(id);
  }

  /** Adds a scanned barcode (GTIN-8/12/13/14) or a typed sku. */
  add(saleId: string, code: string, qty: number): SaleView {
    this.#open(saleId);
    const product = this.repo.product(code, isValidGtin(code) ? toGtin14(code) : undefined);
    if (!product) throw new NotFoundError('product', code);
    this.repo.addLine(saleId, product, qty);
    return this.view(saleId);
  }

  setQty(saleId: string, sku: string, qty: number): SaleView {
    this.#open(saleId);
    if (this.repo.setQty(saleId, sku, qty) === 0) throw new NotFoundError('basket line', sku);
    return this.view(saleId);
  }

  async tender(saleId: string, tender: Tender): Promise<SaleView> {
    this.#open(saleId);
    const lines = this.repo.lines(saleId);
    if (!lines.length) throw new ValidationError('the basket is empty');
    const t = basketTotals(lines.map(priced), this.rates, this.currency);
    let ref: string | null = null;
    if (tender.kind === 'CASH' && tender.givenMinor < t.total.minor) {
      throw new ValidationError(`cash given (${formatMoney(money(tender.givenMinor, this.currency))}) is less than the total (${formatMoney(t.total)})`);
    }
    if (tender.kind === 'CARD') {
      const auth = await this.terminal.authorise(t.total.minor, this.currency, saleId);
      if (!auth.approved) throw new AppError('unprocessable', `card declined: ${auth.reason}`, { declined: true });
      ref = auth.reference;
    }
    this.sync.write((emit) => {
      const at = this.now();
      const closed = this.repo.close(saleId, 'COMPLETED', { sub: t.subtotal.minor, tax: t.tax.minor, total: t.total.minor }, { kind: tender.kind, ref, given: tender.kind === 'CASH' ? tender.givenMinor : null }, at);
      if (!closed) throw new ConflictError(`sale ${saleId} was closed meanwhile`);
      for (const l of lines) this.stock.move(emit, l.sku, -l.qty, 'SALE', at, saleId);
    });
    return this.view(saleId);
  }

  void(saleId: string): SaleView {
    this.#open(saleId);
    if (!this.repo.close(saleId, 'VOIDED', { sub: 0, tax: 0, total: 0 }, null, this.now())) throw new ConflictError(`sale ${saleId} was closed meanwhile`);
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
      for (const r of refunds) this.stock.move(emit, r.sku, r.qty, 'RETURN', at, saleId);
      return refunds.reduce((n, r) => n + r.refund, 0);
    });
    return { returnId, refundMinor, sale: this.view(saleId) };
  }

  view(saleId: string): SaleView {
    const s = this.repo.sale(saleId);
    if (!s) throw new NotFoundError('sale', saleId);
    const lines = this.repo.lines(saleId);
    const t = basketTotals(lines.map(priced), this.rates, s.currency);
    const done = s.status === 'COMPLETED';
    const change = s.tender_kind === 'CASH' && s.cash_given_minor !== null ? s.cash_given_minor - s.total_minor : null;
    return {
      id: s.id,
      status: s.status,
      lines: lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, unitPriceMinor: l.unit_price_minor, taxClass: l.tax_class, totalMinor: l.unit_price_minor * l.qty })),
      subtotalMinor: done ? s.subtotal_minor : t.subtotal.minor,
      taxMinor: done ? s.tax_minor : t.tax.minor,
      totalMinor: done ? s.total_minor : t.total.minor,
      currency: s.currency,
      tender: s.tender_kind ? { kind: s.tender_kind, reference: s.tender_ref, changeMinor: change } : null,
      receipt: done ? this.#receipt(s, lines, change) : null,
    };
  }

  #receipt(s: SaleRow, lines: LineRow[], change: number | null): string {
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

  #open(saleId: string): SaleRow {
    const s = this.repo.sale(saleId);
    if (!s) throw new NotFoundError('sale', saleId);
    if (s.status !== 'OPEN') throw new ConflictError(`sale ${saleId} is ${s.status}`);
    return s;
  }
}
