import type { BasketLine, CouponOutcome, LinePromotion, PricedBasket, PricedLine } from '@storefleet/shared';
import type { StorePriceRequest, StorePricing } from '../pricing/index.js';
import { lineTotals, type TaxRates } from './basket-rules.js';
import type { LineRow } from './pos-repository.js';

/**
 * What the till asks of the store's pricing (lane D's `StorePricing`): a basket priced from the store's copy of the
 * price books, promotions and coupon keys at the store's clock (offline), and the coupons a sale took recorded as used
 * in the sale's own transaction.
 */
export type BasketPricer = Pick<StorePricing, 'price' | 'redeem'>;

/** At most this many coupon codes on one basket (the pricing API's bound). */
export const MAX_BASKET_COUPONS = 5;

/** A basket's lines as the engine takes them: the catalog's price at the scan is the fallback when no book has the sku. */
export function basketLines(lines: readonly LineRow[], categoryOf: (sku: string) => string | undefined): BasketLine[] {
  return lines.map((l) => {
    const category = categoryOf(l.sku);
    return {
      sku: l.sku,
      qty: l.qty,
      catalogPriceMinor: l.unit_price_minor,
      taxClass: l.tax_class,
      name: l.name,
      ...(category ? { category } : {}),
    };
  });
}

/**
 * Prices a basket whose lines may carry a manager's price override (issue #27): the other lines go through the store's
 * pricing as usual; an overridden line is charged its override per unit, with no price book, member price or promotion
 * touching it (it takes no part in them either: it counts toward no spend threshold or multi-buy), and tax at its
 * class's rate on unit × qty, as every line before promotions was. The result is one priced basket, lines by sku.
 */
export function priceBasket(
  pricer: BasketPricer,
  lines: readonly LineRow[],
  categoryOf: (sku: string) => string | undefined,
  req: StorePriceRequest,
  rates: TaxRates,
): PricedBasket {
  const fixed = lines.filter((l) => l.override_price_minor != null);
  if (!fixed.length) return pricer.price(basketLines(lines, categoryOf), req);
  const priced = pricer.price(
    basketLines(
      lines.filter((l) => l.override_price_minor == null),
      categoryOf,
    ),
    req,
  );
  const overridden: PricedLine[] = fixed.map((l) => {
    const unit = l.override_price_minor!;
    const t = lineTotals(
      { sku: l.sku, unitPriceMinor: unit, qty: l.qty, taxClass: l.tax_class },
      rates,
      priced.currency,
    );
    return {
      sku: l.sku,
      name: l.name,
      qty: l.qty,
      unitPriceMinor: unit,
      priceBookId: null,
      member: false,
      taxClass: l.tax_class,
      grossMinor: t.subtotal.minor,
      discountMinor: 0,
      netMinor: t.subtotal.minor,
      taxMinor: t.tax.minor,
      totalMinor: t.total.minor,
      promotions: [],
    };
  });
  const add = (f: (l: PricedLine) => number) => overridden.reduce((n, l) => n + f(l), 0);
  const subtotal = priced.subtotalMinor + add((l) => l.netMinor);
  const tax = priced.taxMinor + add((l) => l.taxMinor);
  return {
    ...priced,
    lines: [...priced.lines, ...overridden].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)),
    grossMinor: priced.grossMinor + add((l) => l.grossMinor),
    subtotalMinor: subtotal,
    taxMinor: tax,
    totalMinor: subtotal + tax,
    itemCount: priced.itemCount + add((l) => l.qty),
  };
}

/** The codes kept on a basket (a JSON array); anything else reads as none. */
export function couponCodes(json: string | null | undefined): string[] {
  try {
    const codes: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(codes) ? codes.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

/** The promotion a coupon id (`<promotionId>:<serial>`) belongs to. */
export const promotionOfCoupon = (couponId: string): string => couponId.slice(0, couponId.lastIndexOf(':'));

/** A sale's coupon as it is kept and shown once the sale is paid: which coupon, and what it did. */
export interface SaleCoupon {
  readonly couponId: string;
  readonly message: string;
}

/** The coupons a priced basket applied (the ones the sale redeems), with the discount of each one's promotion. */
export function appliedCoupons(
  priced: PricedBasket,
): { couponId: string; promotionId: string; discountMinor: number; message: string }[] {
  const off = new Map(priced.promotions.map((p) => [p.promotionId, p.discountMinor]));
  return priced.coupons
    .filter((c): c is CouponOutcome & { couponId: string } => c.status === 'APPLIED' && c.couponId !== null)
    .map((c) => {
      const promotionId = promotionOfCoupon(c.couponId);
      return { couponId: c.couponId, promotionId, discountMinor: off.get(promotionId) ?? 0, message: c.message };
    });
}

/** Parses a JSON column of promotions or coupons kept with a sale; anything else reads as none. */
export function keptList<T>(json: string | null | undefined): T[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

/**
 * The lines of a basket as the sale keeps them: each at the unit price the engine charged, with its discount, the tax
 * on its net and its promotions. The basket's lines keep their scan order; the priced ones are found by sku.
 */
export function chargedLines(lines: readonly LineRow[], priced: PricedBasket): LineRow[] {
  const bySku = new Map(priced.lines.map((l) => [l.sku, l]));
  return lines.map((l) => {
    const p = bySku.get(l.sku);
    if (!p) throw new Error(`the priced basket has no line for ${l.sku}`);
    const promotions: LinePromotion[] = [...p.promotions];
    return {
      sku: l.sku,
      name: l.name,
      tax_class: l.tax_class,
      unit_price_minor: p.unitPriceMinor,
      qty: l.qty,
      discount_minor: p.discountMinor,
      tax_minor: p.taxMinor,
      promotions: promotions.length ? JSON.stringify(promotions) : null,
      override_reason: l.override_price_minor != null ? (l.override_reason ?? '') : null,
    };
  });
}
