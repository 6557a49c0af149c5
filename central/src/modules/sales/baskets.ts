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
 * `member`: the sale had a customer card — read from a `customer_card` column when the ledger has one (the ledger did
 * not keep the card before #25; until it does, every basket reads as a non-member's).
 */
export class SalesBasketsReader implements SalesBaskets {
  #cardColumn: Promise<boolean> | undefined;

  async page(q: Queryable, range: Parameters<SalesBaskets['page']>[1]): Promise<SaleBasket[]> {
    const limit = Math.max(0, Math.min(SALES_BASKETS_PAGE_MAX, Math.trunc(range.limit)));
    if (!limit || !(range.to > range.from)) return [];
    this.#cardColumn ??= hasCardColumn(q).catch((err) => {
      this.#cardColumn = undefined;
      throw err;
    });
    const member = (await this.#cardColumn) ? 'customer_card IS NOT NULL' : 'false';
    const { rows } = await q.query<BasketRow>(
      `SELECT store_id, sale_id, closed_at, total_minor, lines, ${member} AS member
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

async function hasCardColumn(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'sales' AND column_name = 'customer_card'`,
  );
  return (rows[0]?.n ?? 0) > 0;
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
