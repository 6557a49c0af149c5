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
}

export interface LineRow {
  sku: string;
  name: string;
  tax_class: string;
  unit_price_minor: number;
  qty: number;
}

export interface ProductRow {
  sku: string;
  name: string;
  price_minor: number;
  tax_class: string;
  currency: string;
}

/** All SQL of the till. */
export class PosRepository {
  constructor(readonly db: SqliteDb) {}

  product(code: string, gtin14: string | undefined): ProductRow | undefined {
    return this.db
      .prepare('SELECT sku, name, price_minor, tax_class, currency FROM catalog_products WHERE sku = ? OR gtin = ? LIMIT 1')
      .get(code, gtin14 ?? null) as ProductRow | undefined;
  }

  openSale(id: string, currency: string, at: number): void {
    this.db.prepare("INSERT INTO sales (id, status, currency, opened_at) VALUES (?, 'OPEN', ?, ?)").run(id, currency, at);
  }

  sale(id: string): SaleRow | undefined {
    return this.db.prepare('SELECT * FROM sales WHERE id = ?').get(id) as SaleRow | undefined;
  }

  lines(id: string): LineRow[] {
    return this.db.prepare('SELECT sku, name, tax_class, unit_price_minor, qty FROM sale_lines WHERE sale_id = ? ORDER BY rowid').all(id) as LineRow[];
  }

  addLine(saleId: string, p: ProductRow, qty: number): void {
    this.db
      .prepare(
        `INSERT INTO sale_lines (sale_id, sku, name, tax_class, unit_price_minor, qty) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (sale_id, sku) DO UPDATE SET qty = qty + excluded.qty`,
      )
      .run(saleId, p.sku, p.name, p.tax_class, p.price_minor, qty);
  }

  setQty(saleId: string, sku: string, qty: number): number {
    if (qty === 0) return this.db.prepare('DELETE FROM sale_lines WHERE sale_id = ? AND sku = ?').run(saleId, sku).changes;
    return this.db.prepare('UPDATE sale_lines SET qty = ? WHERE sale_id = ? AND sku = ?').run(qty, saleId, sku).changes;
  }

  /** Closes an open sale; false when it was not open any more (a second tender, a void racing a tender). */
  close(id: string, status: 'COMPLETED' | 'VOIDED', totals: { sub: number; tax: number; total: number }, tender: { kind: string; ref: string | null; given: number | null } | null, at: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE sales SET status = ?, subtotal_minor = ?, tax_minor = ?, total_minor = ?, tender_kind = ?, tender_ref = ?, cash_given_minor = ?, closed_at = ?
           WHERE id = ? AND status = 'OPEN'`,
        )
        .run(status, totals.sub, totals.tax, totals.total, tender?.kind ?? null, tender?.ref ?? null, tender?.given ?? null, at, id).changes === 1
    );
  }

  returnedQty(saleId: string): Map<string, number> {
    const rows = this.db
      .prepare('SELECT l.sku, SUM(l.qty) AS qty FROM sale_return_lines l JOIN sale_returns r ON r.id = l.return_id WHERE r.sale_id = ? GROUP BY l.sku')
      .all(saleId) as { sku: string; qty: number }[];
    return new Map(rows.map((r) => [r.sku, r.qty]));
  }

  insertReturn(id: string, saleId: string, lines: { sku: string; qty: number; refund: number }[], at: number): void {
    this.db.prepare('INSERT INTO sale_returns (id, sale_id, refund_minor, at) VALUES (?, ?, ?, ?)').run(id, saleId, lines.reduce((n, l) => n + l.refund, 0), at);
    const put = this.db.prepare('INSERT INTO sale_return_lines (return_id, sku, qty, refund_minor) VALUES (?, ?, ?, ?)');
    for (const l of lines) put.run(id, l.sku, l.qty, l.refund);
  }
}
