import { applyRatePpm, money } from '../money.js';
import type { BasketLine, PricedBasket, PricedLine, PricingContext, PricingRules } from './types.js';

/**
 * Prices a basket: effective price per sku (the most specific book whose window holds `context.at`, else the
 * catalog's), member prices, then promotions in priority order with their stacking rules, coupons verified offline,
 * tax per line on the net. Pure and deterministic: the same basket (in any line order), rules and context give the
 * same result at the edge and the hub. Throws RangeError for a basket that is not one (a qty below 1, a line without a
 * tax rate for its class).
 *
 * CONTRACT STUB (lane A replaces it): catalog prices, no books, no promotions, no coupons.
 */
export function price(basket: readonly BasketLine[], rules: PricingRules, context: PricingContext): PricedBasket {
  const merged = new Map<string, BasketLine>();
  for (const l of basket) {
    const had = merged.get(l.sku);
    merged.set(l.sku, had ? { ...had, qty: had.qty + l.qty } : l);
  }
  const lines: PricedLine[] = [...merged.values()]
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .map((l) => {
      const rate = rules.taxRatesPpm[l.taxClass];
      if (rate === undefined) throw new RangeError(`no tax rate for class ${l.taxClass}`);
      const gross = l.catalogPriceMinor * l.qty;
      const tax = applyRatePpm(money(gross, rules.currency), rate).minor;
      return {
        sku: l.sku,
        ...(l.name !== undefined ? { name: l.name } : {}),
        qty: l.qty,
        unitPriceMinor: l.catalogPriceMinor,
        priceBookId: null,
        member: false,
        taxClass: l.taxClass,
        grossMinor: gross,
        discountMinor: 0,
        netMinor: gross,
        taxMinor: tax,
        totalMinor: gross + tax,
        promotions: [],
      };
    });
  const sum = (f: (l: PricedLine) => number) => lines.reduce((n, l) => n + f(l), 0);
  return {
    currency: rules.currency,
    at: context.at,
    rulesRevision: rules.revision,
    lines,
    grossMinor: sum((l) => l.grossMinor),
    discountMinor: 0,
    subtotalMinor: sum((l) => l.netMinor),
    taxMinor: sum((l) => l.taxMinor),
    totalMinor: sum((l) => l.totalMinor),
    itemCount: sum((l) => l.qty),
    promotions: [],
    coupons: (context.coupons ?? []).map((code) => ({
      code,
      couponId: null,
      status: 'REFUSED' as const,
      refusal: 'MALFORMED' as const,
      message: 'coupons are not built yet',
    })),
  };
}

/** Rules with nothing in them (catalog prices, the default tax table): what a store prices with before its first pull. */
export function emptyRules(currency: string, taxRatesPpm: Readonly<Record<string, number>>): PricingRules {
  return { currency, taxRatesPpm, prices: [], promotions: [], couponKeys: [], revision: 0 };
}
