import type { ReturnStatus, SaleStatus } from './types.js';

/**
 * Whether a return of a sale may count, without I/O. A store's returns are judged against the store's own sale of that
 * id, in seq order, each against what the sale sold less what the returns already counted took back:
 *
 *   sale not held ──────────────────────────────▶ PENDING (waits; judged when the sale arrives)
 *   sale held: voided, other currency, a sku it did not sell, more of a sku than is left, refunds past its total,
 *              refunds for a sku past what that sku's line took
 *                ───────────────────────────────▶ REFUSED (the reason names the return, the sale and the numbers)
 *   otherwise ──────────────────────────────────▶ COUNTED (and what it took back is no longer left)
 */

/** What the ledger holds of a sale that a return is judged against. */
export interface SaleFacts {
  readonly saleId: string;
  readonly status: SaleStatus;
  readonly currency: string;
  readonly totalMinor: number;
  /** As `sale.completed` carried them (subtotal before tax); a voided sale's lines have no amounts. */
  readonly lines: readonly {
    readonly sku: string;
    readonly qty: number;
    readonly subtotalMinor?: number;
    readonly taxMinor?: number;
  }[];
}

/** A return as it is judged: what it brings back and what each line refunds (tax included). */
export interface ReturnClaim {
  readonly returnId: string;
  readonly saleId: string;
  readonly currency: string;
  readonly refundMinor: number;
  readonly lines: readonly { readonly sku: string; readonly qty: number; readonly refundMinor: number }[];
}

/** A return the ledger holds, as it is judged and with how it stands. */
export interface HeldReturn extends ReturnClaim {
  readonly status: ReturnStatus;
}

export type Verdict =
  | { readonly status: 'COUNTED' | 'PENDING' }
  | { readonly status: 'REFUSED'; readonly reason: string };

/** One sku's part of a sale or of its returns: quantity, money (tax included) and how many lines it came in. */
interface Part {
  qty: number;
  minor: number;
  lines: number;
}

/** What is left to return of one sale: refunds so far, and per sku what came back. */
interface Left {
  refunded: number;
  readonly returned: Map<string, Part>;
}

const add = (m: Map<string, Part>, sku: string, qty: number, minor: number) => {
  const p = m.get(sku) ?? { qty: 0, minor: 0, lines: 0 };
  m.set(sku, { qty: p.qty + qty, minor: p.minor + minor, lines: p.lines + 1 });
};

const bySku = <L extends { readonly sku: string; readonly qty: number }>(
  lines: readonly L[],
  minorOf: (l: L) => number,
) => {
  const m = new Map<string, Part>();
  for (const l of lines) add(m, l.sku, l.qty, minorOf(l));
  return m;
};

/**
 * The most a sku's returns may refund in all, over `lines` return lines bringing back `qty` units, when the sale's
 * lines of that sku took `took` (subtotal + tax) for `sold` units: the pro-rata share plus rounding. The till prices a refund of q units as its own line (q × unit price, tax rounded half away from zero), so
 * each returned line may round up to half a cent past its pro-rata share of the line's tax, and the line's own tax
 * was rounded by up to half a cent: what the till refunds always stays below the share plus (lines + 1) / 2. In
 * integers (bigint: amounts up to 10^11 times a million units pass 2^53): 2 × refunded × sold < 2 × took × qty +
 * (lines + 1) × sold.
 */
export function mostForLine(qty: number, lines: number, took: number, sold: number): number {
  const bound = 2n * BigInt(took) * BigInt(qty) + BigInt(lines + 1) * BigInt(sold); // refunded × 2 × sold < bound
  return Number((bound - 1n) / (2n * BigInt(sold)));
}

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
    const refuse = (why: string): Verdict => ({
      status: 'REFUSED',
      reason: `return ${r.returnId} of sale ${r.saleId}: ${why}`,
    });
    if (sale.status !== 'COMPLETED')
      return refuse(`the sale was ${sale.status.toLowerCase()}, nothing was paid to refund`);
    if (r.currency !== sale.currency)
      return refuse(`it refunds in ${r.currency} but the sale was paid in ${sale.currency}`);
    const left = this.#leftOf(r.saleId);
    const sold = bySku(sale.lines, (l) => (l.subtotalMinor ?? 0) + (l.taxMinor ?? 0));
    const back = bySku(r.lines, (l) => l.refundMinor);
    const none: Part = { qty: 0, minor: 0, lines: 0 };
    for (const [sku, b] of back) {
      const before = left.returned.get(sku) ?? none;
      const s = sold.get(sku);
      if (!s) return refuse(`it brings back ${sku}, which the sale did not sell`);
      if (before.qty + b.qty > s.qty)
        return refuse(
          `it brings back ${b.qty} of ${sku} but the sale sold ${s.qty}, of which ${before.qty} already came back`,
        );
    }
    if (left.refunded + r.refundMinor > sale.totalMinor) {
      return refuse(
        `it refunds ${r.refundMinor} but the sale took ${sale.totalMinor}, of which ${left.refunded} is already refunded`,
      );
    }
    for (const [sku, b] of back) {
      const before = left.returned.get(sku) ?? none;
      const s = sold.get(sku)!;
      const qty = before.qty + b.qty;
      const most = mostForLine(qty, before.lines + b.lines, s.minor, s.qty);
      if (before.minor + b.minor > most) {
        return refuse(
          `it refunds ${b.minor} for ${b.qty} of ${sku} but the sale's ${sku} line took ${s.minor} for ${s.qty}, of which ${before.minor} is already refunded: at most ${Math.max(0, most - before.minor)} can be refunded for ${b.qty}`,
        );
      }
    }
    this.#take(r);
    return { status: 'COUNTED' };
  }

  #leftOf(saleId: string): Left {
    let left = this.#left.get(saleId);
    if (!left) {
      left = { refunded: 0, returned: new Map() };
      this.#left.set(saleId, left);
    }
    return left;
  }

  #take(r: ReturnClaim): void {
    const left = this.#leftOf(r.saleId);
    left.refunded += r.refundMinor;
    for (const l of r.lines) add(left.returned, l.sku, l.qty, l.refundMinor);
  }
}
