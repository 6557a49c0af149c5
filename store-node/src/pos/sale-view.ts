import { formatMoney, money } from '@storefleet/shared';
import { basketTotals, type PricedLine, type TaxRates } from './basket-rules.js';
import type { BasketRow } from './basket-repository.js';
import type { LineRow, SaleRow } from './pos-repository.js';

/** A sale as the lane shows it: an open basket, a completed sale with its receipt, or a voided one with why. */
export interface SaleView {
  readonly id: string;
  readonly status: SaleRow['status'];
  readonly lines: {
    sku: string;
    name: string;
    qty: number;
    unitPriceMinor: number;
    taxClass: string;
    totalMinor: number;
  }[];
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly currency: string;
  /** How it was paid; on a voided sale, the card approval that was voided with it. */
  readonly tender: { kind: string; reference: string | null; changeMinor: number | null } | null;
  readonly receipt: string | null;
  /** `AUTHORISING` while the card terminal's answer for this open sale is awaited (the basket cannot change). */
  readonly payment: 'AUTHORISING' | null;
  /**
   * What the cashier must be told, or null: on an open basket, how a card tender ended that did not complete (not
   * charged, voided, or approved and waiting); on a voided sale, who voided it and why, and whether a card was voided.
   */
  readonly note: string | null;
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
  ctx: { rates: TaxRates; storeName: string; basket?: BasketRow; note?: string | null },
): SaleView {
  const done = s.status === 'COMPLETED';
  const t = done
    ? { subtotal: { minor: s.subtotal_minor }, tax: { minor: s.tax_minor }, total: { minor: s.total_minor } }
    : basketTotals(lines.map(pricedLine), ctx.rates, s.currency);
  const change = s.tender_kind === 'CASH' && s.cash_given_minor !== null ? s.cash_given_minor - s.total_minor : null;
  return {
    id: s.id,
    status: s.status,
    lines: lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      qty: l.qty,
      unitPriceMinor: l.unit_price_minor,
      taxClass: l.tax_class,
      totalMinor: l.unit_price_minor * l.qty,
    })),
    subtotalMinor: t.subtotal.minor,
    taxMinor: t.tax.minor,
    totalMinor: t.total.minor,
    currency: s.currency,
    tender: s.tender_kind ? { kind: s.tender_kind, reference: s.tender_ref, changeMinor: change } : null,
    receipt: done ? receipt(s, lines, change, ctx.storeName) : null,
    payment: ctx.basket?.tender_state === 'AUTHORISING' ? 'AUTHORISING' : null,
    note: ctx.basket ? (ctx.note ?? ctx.basket.note) : s.status === 'VOIDED' ? s.void_reason : null,
  };
}

function receipt(s: SaleRow, lines: readonly LineRow[], change: number | null, storeName: string): string {
  const m = (minor: number) => formatMoney(money(minor, s.currency));
  const row = (left: string, right: string) => `${left.slice(0, 30).padEnd(30)}${right.padStart(12)}`;
  return [
    storeName,
    `${new Date(s.closed_at ?? s.opened_at).toISOString().replace('T', ' ').slice(0, 19)} UTC`,
    `Sale ${s.id}`,
    '-'.repeat(42),
    ...lines.map((l) => row(`${l.qty} x ${l.name}`, m(l.unit_price_minor * l.qty))),
    '-'.repeat(42),
    row('Subtotal', m(s.subtotal_minor)),
    row('Tax', m(s.tax_minor)),
    row('TOTAL', m(s.total_minor)),
    row(s.tender_kind === 'CARD' ? `Card ${s.tender_ref ?? ''}` : 'Cash', m(s.cash_given_minor ?? s.total_minor)),
    ...(change !== null ? [row('Change', m(change))] : []),
  ].join('\n');
}
