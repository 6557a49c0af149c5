import { code128Modules, type CouponOutcome, type LinePromotion, type PricedBasket } from '@storefleet/shared';
import { chargedLines, keptList, type SaleCoupon } from './basket-pricing.js';
import { basketTotals, type PricedLine, type TaxRates } from './basket-rules.js';
import type { BasketRow } from './basket-repository.js';
import { maskedCard } from './customer-card.js';
import type { LineRow, SaleRow } from './pos-repository.js';
import { saleReceipt } from './receipt-text.js';

/** A sale as the lane shows it: an open basket, a completed sale with its receipt, or a voided one with why. */
export interface SaleView {
  /** The sale's key (a UUID): internal; people see `number`. */
  readonly id: string;
  /** `S001-03-00123`: on the screen, the receipt and its barcode; null on sales from before #17. */
  readonly number: string | null;
  readonly lane: number | null;
  readonly status: SaleRow['status'];
  readonly lines: {
    sku: string;
    name: string;
    qty: number;
    unitPriceMinor: number;
    taxClass: string;
    /** unit × qty */
    grossMinor: number;
    /** What promotions took off the line (issue #25); 0 without. */
    discountMinor: number;
    /** gross − discount, before tax: what the line costs. */
    totalMinor: number;
    /** The line's promotions, each with what it took off and why in words ("3 for 2: 1 free"). */
    promotions: readonly LinePromotion[];
    /** On a completed sale, how many came back so far (returns in progress included). */
    returnedQty?: number;
    /** A manager's price override (issue #27): its unit price is the override, and why; null when priced as usual. */
    priceOverride: { reason: string } | null;
  }[];
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  /** What promotions took off the whole sale ("You saved"); 0 without. */
  readonly discountMinor: number;
  /** The promotions applied, each with what it took off in all. */
  readonly promotions: readonly { promotionId: string; name: string; discountMinor: number }[];
  /**
   * The coupons: on an open basket every code entered, APPLIED or REFUSED with why (verified again at each view); on a
   * completed sale the ones it took.
   */
  readonly coupons: readonly (CouponOutcome | (SaleCoupon & { status: 'APPLIED' }))[];
  /** The pricing rules' revision the basket was priced with; null on sales before #25 and voided baskets. */
  readonly rulesRevision: number | null;
  readonly currency: string;
  /** How it was paid; on a voided sale, the card approval that was voided with it. */
  readonly tender: { kind: string; reference: string | null; changeMinor: number | null } | null;
  readonly receipt: string | null;
  /** When it was paid or voided (epoch ms); null while open. */
  readonly closedAt: number | null;
  /** The receipt's Code 128 barcode of `number` as modules ('1' dark, '0' light), for the page to draw; null without a number or a receipt. */
  readonly barcode: string | null;
  /** `AUTHORISING` while the card terminal's answer for this open sale is awaited (the basket cannot change). */
  readonly payment: 'AUTHORISING' | null;
  /**
   * What the cashier must be told, or null: on an open basket, how a card tender ended that did not complete (not
   * charged, voided, or approved and waiting); on a voided sale, who voided it and why, and whether a card was voided.
   */
  readonly note: string | null;
  /**
   * The customer's loyalty card shown at the lane, masked (`••••••••••••1234`): the lane never gets the whole number
   * back. Null when none was shown.
   */
  readonly customerCard: string | null;
  /** Who served the customer (issue #27): the name of the person signed in at the lane; null without staff sign-in. */
  readonly servedBy: string | null;
}

export const pricedLine = (l: LineRow): PricedLine => ({
  sku: l.sku,
  unitPriceMinor: l.unit_price_minor,
  qty: l.qty,
  taxClass: l.tax_class,
});

/**
 * Builds the view of a sale row (for an open basket, a row with status OPEN, its basket and the basket priced now).
 * Pure.
 */
export function saleView(
  s: SaleRow,
  lines: readonly LineRow[],
  ctx: {
    rates: TaxRates;
    storeName: string;
    timeZone: string;
    returnWindowDays: number;
    basket?: BasketRow;
    /** The open basket priced at this view (the effective prices now, its promotions and coupons). */
    priced?: PricedBasket;
    note?: string | null;
    returned?: ReadonlyMap<string, number>;
  },
): SaleView {
  const done = s.status === 'COMPLETED';
  const priced = s.status === 'OPEN' ? ctx.priced : undefined;
  const shown = priced ? chargedLines(lines, priced) : lines;
  const t = done
    ? { subtotal: { minor: s.subtotal_minor }, tax: { minor: s.tax_minor }, total: { minor: s.total_minor } }
    : priced
      ? {
          subtotal: { minor: priced.subtotalMinor },
          tax: { minor: priced.taxMinor },
          total: { minor: priced.totalMinor },
        }
      : basketTotals(lines.map(pricedLine), ctx.rates, s.currency);
  const viewLines = shown.map((l) => {
    const gross = l.unit_price_minor * l.qty;
    const discount = l.discount_minor ?? 0;
    return {
      sku: l.sku,
      name: l.name,
      qty: l.qty,
      unitPriceMinor: l.unit_price_minor,
      taxClass: l.tax_class,
      grossMinor: gross,
      discountMinor: discount,
      totalMinor: gross - discount,
      promotions: keptList<LinePromotion>(l.promotions),
      priceOverride: l.override_reason != null ? { reason: l.override_reason } : null,
      ...(done ? { returnedQty: ctx.returned?.get(l.sku) ?? 0 } : {}),
    };
  });
  const promotions = priced
    ? priced.promotions.map((p) => ({ promotionId: p.promotionId, name: p.name, discountMinor: p.discountMinor }))
    : keptList<{ promotionId: string; name: string; discountMinor: number }>(s.promotions);
  const coupons = priced
    ? [...priced.coupons]
    : keptList<SaleCoupon>(s.coupons).map((c) => ({ ...c, status: 'APPLIED' as const }));
  const saved = viewLines.reduce((n, l) => n + l.discountMinor, 0);
  const change = s.tender_kind === 'CASH' && s.cash_given_minor !== null ? s.cash_given_minor - s.total_minor : null;
  const number = s.number ?? ctx.basket?.number ?? null;
  const cardLastFour = ctx.basket?.customer_card?.slice(-4) ?? s.customer_card_last4 ?? null;
  return {
    id: s.id,
    number,
    lane: s.lane ?? ctx.basket?.lane ?? null,
    status: s.status,
    lines: viewLines,
    subtotalMinor: t.subtotal.minor,
    taxMinor: t.tax.minor,
    totalMinor: t.total.minor,
    discountMinor: saved,
    promotions,
    coupons,
    rulesRevision: priced ? priced.rulesRevision : (s.rules_revision ?? null),
    currency: s.currency,
    tender: s.tender_kind ? { kind: s.tender_kind, reference: s.tender_ref, changeMinor: change } : null,
    receipt: done
      ? saleReceipt({
          storeName: ctx.storeName,
          number,
          saleId: s.id,
          lane: s.lane,
          at: s.closed_at ?? s.opened_at,
          timeZone: ctx.timeZone,
          currency: s.currency,
          lines: viewLines.map((l) => ({
            name: l.name,
            sku: l.sku,
            qty: l.qty,
            unitPriceMinor: l.unitPriceMinor,
            promotions: l.promotions,
            priceOverride: l.priceOverride !== null,
          })),
          coupons: coupons.map((c) => ({ couponId: c.couponId ?? '', message: c.message })),
          savedMinor: saved,
          subtotalMinor: s.subtotal_minor,
          taxMinor: s.tax_minor,
          totalMinor: s.total_minor,
          tender: {
            kind: s.tender_kind ?? 'CASH',
            reference: s.tender_ref,
            givenMinor: s.cash_given_minor,
            changeMinor: change,
          },
          returnWindowDays: ctx.returnWindowDays,
          customerCardLastFour: cardLastFour,
          servedBy: s.cashier_name ?? null,
        })
      : null,
    closedAt: s.closed_at,
    barcode: done && number ? code128Modules(number) : null,
    payment: ctx.basket?.tender_state === 'AUTHORISING' ? 'AUTHORISING' : null,
    note: ctx.basket ? (ctx.note ?? ctx.basket.note) : s.status === 'VOIDED' ? s.void_reason : null,
    customerCard: cardLastFour ? maskedCard(cardLastFour) : null,
    servedBy: s.cashier_name ?? ctx.basket?.cashier_name ?? null,
  };
}
