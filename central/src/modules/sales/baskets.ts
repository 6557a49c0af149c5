import type { Queryable } from '../../db/db.js';
import type { SaleBasket, SalesBaskets } from '../../kernel/ports/pricing.js';

/** The most baskets one page returns, whatever the caller asks. */
export const SALES_BASKETS_PAGE_MAX = 1_000;

interface BasketRow {
  store_id: string;
  sale_id: string;
  closed_at: number;
  total_minor: number;
  lines: unknown;
  member: boolean;
}

/**
 * The ledger's completed sales as baskets for a promotion's dry run (the SALES_BASKETS port), paged by (closedAt,
 * saleId). Each line's `discountMinor` is what the sale's event said promotions took off it (0 for sales before #25).
 * `member`: a loyalty card was shown with the sale (`customer_card_present`; sales from before it read as non-members').
 */
export class SalesBasketsReader implements SalesBaskets {
  async page(q: Queryable, range: Parameters<SalesBaskets['page']>[1]): Promise<SaleBasket[]> {
    const limit = Math.max(0, Math.min(SALES_BASKETS_PAGE_MAX, Math.trunc(range.limit)));
    if (!limit || !(range.to > range.from)) return [];
    const { rows } = await q.query<BasketRow>(
      `SELECT store_id, sale_id, closed_at, total_minor, lines, customer_card_present AS member
       FROM sales
       WHERE status = 'COMPLETED' AND closed_at >= $1 AND closed_at < $2
         AND ($3::uuid IS NULL OR store_id = $3)
         AND ($4::bigint IS NULL OR (closed_at, sale_id) > ($4::bigint, $5::text))
       ORDER BY closed_at, sale_id
       LIMIT $6`,
      [range.from, range.to, range.storeId ?? null, range.after?.closedAt ?? null, range.after?.saleId ?? '', limit],
    );
    return rows.map(toBasket);
  }
}

function toBasket(r: BasketRow): SaleBasket {
  const raw = (typeof r.lines === 'string' ? JSON.parse(r.lines) : r.lines) as unknown;
  const lines = (Array.isArray(raw) ? raw : []).flatMap((l: Record<string, unknown>) => {
    if (!l || typeof l.sku !== 'string') return [];
    const qty = Number(l.qty);
    const unit = Number(l.unitPriceMinor);
    const off = Number(l.discountMinor ?? 0);
    if (!Number.isSafeInteger(qty) || qty < 1 || !Number.isSafeInteger(unit) || unit < 0) return [];
    return [{ sku: l.sku, qty, unitPriceMinor: unit, discountMinor: Number.isSafeInteger(off) && off > 0 ? off : 0 }];
  });
  return {
    saleId: r.sale_id,
    storeId: r.store_id,
    closedAt: Number(r.closed_at),
    member: r.member === true,
    lines,
    totalMinor: Number(r.total_minor),
  };
}
