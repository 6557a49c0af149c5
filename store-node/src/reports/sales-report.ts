import type Database from 'better-sqlite3';

export interface SalesReport {
  readonly fromMs: number;
  readonly toMs: number;
  readonly sales: number;
  readonly voids: number;
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly tenders: { kind: string; sales: number; totalMinor: number }[];
  readonly returns: { count: number; refundMinor: number };
  /** Net takings: sales total less refunds given in the period. */
  readonly netMinor: number;
  /** Best sellers by quantity; revenueMinor is what was charged for them before tax (promotions taken off, issue #25). */
  readonly topSkus: { sku: string; name: string; qty: number; revenueMinor: number }[];
}

/** All SQL of the sales report: completed sales closed in [from, to), voids, tenders, returns, best sellers. */
export function salesReportOf(db: Database.Database, fromMs: number, toMs: number): SalesReport {
  const totals = db
    .prepare(
      `SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS sales, count(*) FILTER (WHERE status = 'VOIDED') AS voids,
         coalesce(sum(subtotal_minor) FILTER (WHERE status = 'COMPLETED'), 0) AS subtotal,
         coalesce(sum(tax_minor) FILTER (WHERE status = 'COMPLETED'), 0) AS tax,
         coalesce(sum(total_minor) FILTER (WHERE status = 'COMPLETED'), 0) AS total
       FROM sales WHERE closed_at >= ? AND closed_at < ?`,
    )
    .get(fromMs, toMs) as { sales: number; voids: number; subtotal: number; tax: number; total: number };
  const tenders = db
    .prepare(
      `SELECT tender_kind AS kind, count(*) AS sales, sum(total_minor) AS totalMinor FROM sales
       WHERE status = 'COMPLETED' AND closed_at >= ? AND closed_at < ? GROUP BY tender_kind ORDER BY tender_kind`,
    )
    .all(fromMs, toMs) as SalesReport['tenders'];
  const returns = db
    .prepare(
      'SELECT count(*) AS count, coalesce(sum(refund_minor), 0) AS refundMinor FROM sale_returns WHERE at >= ? AND at < ?',
    )
    .get(fromMs, toMs) as SalesReport['returns'];
  const topSkus = db
    .prepare(
      `SELECT l.sku, max(l.name) AS name, sum(l.qty) AS qty, sum(l.qty * l.unit_price_minor - l.discount_minor) AS revenueMinor
       FROM sale_lines l JOIN sales s ON s.id = l.sale_id
       WHERE s.status = 'COMPLETED' AND s.closed_at >= ? AND s.closed_at < ?
       GROUP BY l.sku ORDER BY qty DESC, l.sku LIMIT 10`,
    )
    .all(fromMs, toMs) as SalesReport['topSkus'];
  return {
    fromMs,
    toMs,
    sales: totals.sales,
    voids: totals.voids,
    subtotalMinor: totals.subtotal,
    taxMinor: totals.tax,
    totalMinor: totals.total,
    tenders,
    returns,
    netMinor: totals.total - returns.refundMinor,
    topSkus,
  };
}
