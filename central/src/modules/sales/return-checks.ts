import type { ReturnStatus, SaleStatus } from './types.js';

/**
 * Whether a return of a sale may count, without I/O. A store's returns are judged against the store's own sale of that
 * id, in seq order, each against what the sale sold less what the returns already counted took back:
 *
 *   sale not held ──────────────────────────────▶ PENDING (waits; judged when the sale arrives)
 *   sale held: voided, other currency, a sku it did not sell, more of a sku than is left, refunds past its total
 *                ───────────────────────────────▶ REFUSED (the reason names the return, the sale and the numbers)
 *   otherwise ──────────────────────────────────▶ COUNTED (and what it took back is no longer left)
 */

/** What the ledger holds of a sale that a return is judged against. */
export interface SaleFacts {
  readonly saleId: string;
  readonly status: SaleStatus;
  readonly currency: string;
  readonly totalMinor: number;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
}

/** A return as it is judged: what it brings back and what it refunds. */
export interface ReturnClaim {
  readonly returnId: string;
  readonly saleId: string;
  readonly currency: string;
  readonly refundMinor: number;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
}

/** A return the ledger holds, as it is judged and with how it stands. */
export interface HeldReturn extends ReturnClaim {
  readonly status: ReturnStatus;
}

export type Verdict = { readonly status: 'COUNTED' | 'PENDING' } | { readonly status: 'REFUSED'; readonly reason: string };

/** What is left to return of one sale: refunds so far and quantities per sku taken back. */
interface Left {
  refunded: number;
  readonly returned: Map<string, number>;
}

const qtyBySku = (lines: ReturnClaim['lines']) => {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.sku, (m.get(l.sku) ?? 0) + l.qty);
  return m;
};

/**
 * Judges returns against their sales. Create it with the sales held and the returns already COUNTED for them (their
 * refunds and quantities are no longer left), then `judge` each new return in seq order: one judged COUNTED is
 * taken into account for the next.
 */
export class ReturnJudge {
  readonly #sales: ReadonlyMap<string, SaleFacts>;
  readonly #left = new Map<string, Left>();

  constructor(sales: readonly SaleFacts[], counted: readonly ReturnClaim[]) {
    this.#sales = new Map(sales.map((s) => [s.saleId, s]));
    for (const r of counted) this.#take(r);
  }

  judge(r: ReturnClaim): Verdict {
    const sale = this.#sales.get(r.saleId);
    if (!sale) return { status: 'PENDING' };
    const refuse = (why: string): Verdict => ({ status: 'REFUSED', reason: `return ${r.returnId} of sale ${r.saleId}: ${why}` });
    if (sale.status !== 'COMPLETED') return refuse(`the sale was ${sale.status.toLowerCase()}, nothing was paid to refund`);
    if (r.currency !== sale.currency) return refuse(`it refunds in ${r.currency} but the sale was paid in ${sale.currency}`);
    const left = this.#leftOf(r.saleId);
    const sold = qtyBySku(sale.lines);
    for (const [sku, qty] of qtyBySku(r.lines)) {
      const before = left.returned.get(sku) ?? 0;
      if (!sold.has(sku)) return refuse(`it brings back ${sku}, which the sale did not sell`);
      if (before + qty > sold.get(sku)!) return refuse(`it brings back ${qty} of ${sku} but the sale sold ${sold.get(sku)}, of which ${before} already came back`);
    }
    if (left.refunded + r.refundMinor > sale.totalMinor) {
      return refuse(`it refunds ${r.refundMinor} but the sale took ${sale.totalMinor}, of which ${left.refunded} is already refunded`);
    }
    this.#take(r);
    return { status: 'COUNTED' };
  }

  #leftOf(saleId: string): Left {
    let left = this.#left.get(saleId);
    if (!left) this.#left.set(saleId, (left = { refunded: 0, returned: new Map() }));
    return left;
  }

  #take(r: ReturnClaim): void {
    const left = this.#leftOf(r.saleId);
    left.refunded += r.refundMinor;
    for (const [sku, qty] of qtyBySku(r.lines)) left.returned.set(sku, (left.returned.get(sku) ?? 0) + qty);
  }
}
