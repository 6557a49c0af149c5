import { code128Modules } from '@storefleet/shared';
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
    totalMinor: number;
    /** On a completed sale, how many came back so far (returns in progress included). */
    returnedQty?: number;
  }[];
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
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
}

export const pricedLine = (l: LineRow): PricedLine => ({
  sku: l.sku,
  unitPriceMinor: l.unit_price_minor,
  qty: l.qty,
  taxClass: l.tax_class,
});

/** Builds the view of a sale row (for an open basket, a row with status OPEN and its basket). Pure. */
export function saleView(
  s: SaleRow,
  lines: readonly LineRow[],
  ctx: {
    rates: TaxRates;
    storeName: string;
    timeZone: string;
    returnWindowDays: number;
    basket?: BasketRow;
    note?: string | null;
    returned?: ReadonlyMap<string, number>;
  },
): SaleView {
  const done = s.status === 'COMPLETED';
  const t = done
    ? { subtotal: { minor: s.subtotal_minor }, tax: { minor: s.tax_minor }, total: { minor: s.total_minor } }
    : basketTotals(lines.map(pricedLine), ctx.rates, s.currency);
  const change = s.tender_kind === 'CASH' && s.cash_given_minor !== null ? s.cash_given_minor - s.total_minor : null;
  const number = s.number ?? ctx.basket?.number ?? null;
  const cardLastFour = ctx.basket?.customer_card?.slice(-4) ?? s.customer_card_last4 ?? null;
  return {
    id: s.id,
    number,
    lane: s.lane ?? ctx.basket?.lane ?? null,
    status: s.status,
    lines: lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      qty: l.qty,
      unitPriceMinor: l.unit_price_minor,
      taxClass: l.tax_class,
      totalMinor: l.unit_price_minor * l.qty,
      ...(done ? { returnedQty: ctx.returned?.get(l.sku) ?? 0 } : {}),
    })),
    subtotalMinor: t.subtotal.minor,
    taxMinor: t.tax.minor,
    totalMinor: t.total.minor,
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
          lines: lines.map((l) => ({ name: l.name, sku: l.sku, qty: l.qty, unitPriceMinor: l.unit_price_minor })),
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
        })
      : null,
    closedAt: s.closed_at,
    barcode: done && number ? code128Modules(number) : null,
    payment: ctx.basket?.tender_state === 'AUTHORISING' ? 'AUTHORISING' : null,
    note: ctx.basket ? (ctx.note ?? ctx.basket.note) : s.status === 'VOIDED' ? s.void_reason : null,
    customerCard: cardLastFour ? maskedCard(cardLastFour) : null,
  };
}
