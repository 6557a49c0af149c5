import { MultiRowInsert } from '../db/multi-row.js';
import type { SqliteDb } from '../db/open-sqlite.js';

export interface SaleRow {
  id: string;
  status: 'OPEN' | 'COMPLETED' | 'VOIDED';
  currency: string;
  subtotal_minor: number;
  tax_minor: number;
  total_minor: number;
  tender_kind: string | null;
  tender_ref: string | null;
  cash_given_minor: number | null;
  opened_at: number;
  closed_at: number | null;
  /** Why a VOIDED sale was voided, for the lane; null otherwise. */
  void_reason: string | null;
  /** The lane that rang it up and its number (`S001-03-00123`); null on sales from before #17. */
  lane: number | null;
  number: string | null;
  /** The last four digits of the customer card shown for a completed sale (schema/005), for its receipt; else null. */
  customer_card_last4?: string | null;
  /** The sale's promotions and the coupons it took, as JSON (schema/006), and its rules' revision; null before #25. */
  promotions?: string | null;
  coupons?: string | null;
  rules_revision?: number | null;
  /** Who served it (schema/008): the person signed in at the lane who took the payment, else who opened it; null without sign-in. */
  cashier_user_id?: string | null;
  cashier_name?: string | null;
}

export interface LineRow {
  sku: string;
  name: string;
  tax_class: string;
  unit_price_minor: number;
  qty: number;
  /**
   * On a completed sale's line (schema/006): what promotions took off it, the tax charged on its net (null on sales
   * before #25: computed from the rate), and its promotions as JSON (`LinePromotion[]`). Absent on an open basket's
   * line (the basket is priced at each view).
   */
  discount_minor?: number;
  tax_minor?: number | null;
  promotions?: string | null;
  /**
   * A manager's price override (schema/008): on an open basket's line the unit price it has from now on (promotions
   * and price books leave it alone) and why; on a completed sale's line only the reason (its unit price is the override).
   */
  override_price_minor?: number | null;
  override_reason?: string | null;
}

export interface ProductRow {
  sku: string;
  name: string;
  price_minor: number;
  tax_class: string;
  currency: string;
}

/** All SQL of the till's sales (returns: return-repository.ts). */
export class PosRepository {
  readonly #bySku;
  readonly #byGtin;
  readonly #insertSale;
  readonly #insertLines;
  readonly #sale;
  readonly #lines;
  readonly #byNumber;
  readonly #category;

  constructor(readonly db: SqliteDb) {
    // Prepared once: a till runs these thousands of times a day.
    this.#bySku = db.prepare('SELECT sku, name, price_minor, tax_class, currency FROM catalog_products WHERE sku = ?');
    this.#byGtin = db.prepare(
      'SELECT sku, name, price_minor, tax_class, currency FROM catalog_products WHERE gtin = ? LIMIT 1',
    );
    this.#insertSale = db.prepare(
      `INSERT INTO sales (id, status, currency, subtotal_minor, tax_minor, total_minor, tender_kind, tender_ref, cash_given_minor, opened_at, closed_at, void_reason, lane, number, customer_card_last4, promotions, coupons, rules_revision, cashier_user_id, cashier_name)
       VALUES (@id, @status, @currency, @subtotal_minor, @tax_minor, @total_minor, @tender_kind, @tender_ref, @cash_given_minor, @opened_at, @closed_at, @void_reason, @lane, @number, @customer_card_last4, @promotions, @coupons, @rules_revision, @cashier_user_id, @cashier_name)`,
    );
    this.#insertLines = new MultiRowInsert(
      db,
      'INSERT INTO sale_lines (sale_id, sku, name, tax_class, unit_price_minor, qty, discount_minor, tax_minor, promotions, override_reason) VALUES',
      '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#sale = db.prepare('SELECT * FROM sales WHERE id = ?');
    this.#lines = db.prepare(
      'SELECT sku, name, tax_class, unit_price_minor, qty, discount_minor, tax_minor, promotions, override_reason FROM sale_lines WHERE sale_id = ? ORDER BY rowid',
    );
    this.#category = db.prepare('SELECT category FROM catalog_products WHERE sku = ?').pluck();
    this.#byNumber = db
      .prepare(
        'SELECT sale_id FROM pos_baskets WHERE number = @n UNION ALL SELECT id FROM sales WHERE number = @n LIMIT 1',
      )
      .pluck();
  }

  /** The id of the sale (open or closed) with this number, if there is one. */
  idOfNumber(number: string): string | undefined {
    return this.#byNumber.get({ n: number }) as string | undefined;
  }

  product(code: string, gtin14: string | undefined): ProductRow | undefined {
    // A typed sku first; a scanned barcode (valid GTIN) falls back to the GTIN index.
    return (this.#bySku.get(code) ?? (gtin14 ? this.#byGtin.get(gtin14) : undefined)) as ProductRow | undefined;
  }

  /** The product's category in the store's catalog copy (promotions may target a category), if it is there. */
  category(sku: string): string | undefined {
    return (this.#category.get(sku) as string | null | undefined) ?? undefined;
  }

  /** Writes a closed sale (completed or voided) with its lines; the caller's transaction joins it to its stock moves. */
  insertSale(s: SaleRow, lines: readonly LineRow[]): void {
    this.#insertSale.run({
      ...s,
      customer_card_last4: s.customer_card_last4 ?? null,
      promotions: s.promotions ?? null,
      coupons: s.coupons ?? null,
      rules_revision: s.rules_revision ?? null,
      cashier_user_id: s.cashier_user_id ?? null,
      cashier_name: s.cashier_name ?? null,
    });
    this.#insertLines.run(
      lines.map((l) => [
        s.id,
        l.sku,
        l.name,
        l.tax_class,
        l.unit_price_minor,
        l.qty,
        l.discount_minor ?? 0,
        l.tax_minor ?? null,
        l.promotions ?? null,
        l.override_reason ?? null,
      ]),
    );
  }

  sale(id: string): SaleRow | undefined {
    return this.#sale.get(id) as SaleRow | undefined;
  }

  lines(id: string): LineRow[] {
    return this.#lines.all(id) as LineRow[];
  }
}
