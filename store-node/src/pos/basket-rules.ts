import { applyRatePpm, money, type Money } from '@storefleet/shared';

/**
 * Till arithmetic without I/O. Tax is computed per line (unit price × qty, then the class rate in ppm, rounded half
 * away from zero) and summed, so a receipt's lines add up to its total exactly, and a refund of part of a line is the
 * same computation over the returned quantity.
 */
export type TaxRates = Readonly<Record<string, number>>;

/** New York City's combined sales tax, with groceries exempt: a sensible default for the demo fleet. */
export { DEFAULT_TAX_RATES_PPM } from '@storefleet/shared';

export interface PricedLine {
  readonly sku: string;
  readonly unitPriceMinor: number;
  readonly qty: number;
  readonly taxClass: string;
}

export interface Totals {
  readonly subtotal: Money;
  readonly tax: Money;
  readonly total: Money;
}

export function lineTotals(line: PricedLine, rates: TaxRates, currency: string): Totals {
  const rate = rates[line.taxClass];
  if (rate === undefined) throw new RangeError(`no tax rate for class ${line.taxClass}`);
  const subtotal = money(line.unitPriceMinor * line.qty, currency);
  const tax = applyRatePpm(subtotal, rate);
  return { subtotal, tax, total: money(subtotal.minor + tax.minor, currency) };
}

export function basketTotals(lines: readonly PricedLine[], rates: TaxRates, currency: string): Totals {
  let sub = 0;
  let tax = 0;
  for (const l of lines) {
    const t = lineTotals(l, rates, currency);
    sub += t.subtotal.minor;
    tax += t.tax.minor;
  }
  return { subtotal: money(sub, currency), tax: money(tax, currency), total: money(sub + tax, currency) };
}

/** What may still be returned per sku: sold minus already returned. */
export function returnable(
  sold: ReadonlyMap<string, number>,
  returned: ReadonlyMap<string, number>,
): Map<string, number> {
  const left = new Map<string, number>();
  for (const [sku, qty] of sold) left.set(sku, qty - (returned.get(sku) ?? 0));
  return left;
}

/** A basket's bounds: those of the `sale.completed` event the hub checks (shared/src/protocol/events.ts). */
export const BASKET_LIMITS = { lines: 100, qtyPerLine: 10_000 } as const;

/**
 * Caps a return's refunds so that all refunds of a sale never pass what was paid for it: tax rounded on part of a
 * line can come to a cent more than its share of the line's tax. The excess comes off the last lines.
 */
export function capRefunds<T extends { readonly refund: number }>(lines: readonly T[], leftMinor: number): T[] {
  let excess = lines.reduce((n, l) => n + l.refund, 0) - Math.max(0, leftMinor);
  const capped = [...lines];
  for (let i = capped.length - 1; i >= 0 && excess > 0; i--) {
    const cut = Math.min(excess, capped[i]!.refund);
    capped[i] = { ...capped[i]!, refund: capped[i]!.refund - cut };
    excess -= cut;
  }
  return capped;
}
