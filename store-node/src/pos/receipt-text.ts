import { formatMoney, money } from '@storefleet/shared';
import { returnWindow } from './return-window.js';
import { localTime } from './store-profile.js';

/**
 * The till's paper: a sale's receipt and a return's slip, as text for an 80 mm printer (48 columns of its standard
 * font). Long item names wrap onto the next lines instead of being cut; amounts stay right-aligned. Pure.
 */
export const RECEIPT_COLUMNS = 48;
const AMOUNT = 12;

/** `text` in lines of at most `width` characters, broken at spaces where it can be, mid-word where it must. */
export function wrap(text: string, width = RECEIPT_COLUMNS): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) out.push(line);
      line = '';
      out.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line || !out.length) out.push(line);
  return out;
}

/** `left` wrapped in the columns before the amount (indented by `indent`), the amount right-aligned on its first line. */
function row(left: string, right: string, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const [first = '', ...rest] = wrap(left, RECEIPT_COLUMNS - AMOUNT - 1 - indent);
  return [
    `${(pad + first).padEnd(RECEIPT_COLUMNS - AMOUNT)}${right.padStart(AMOUNT)}`,
    ...rest.map((l) => `${pad}  ${l}`),
  ];
}

const center = (text: string) =>
  wrap(text).map((l) => l.padStart(Math.floor((RECEIPT_COLUMNS + l.length) / 2)).trimEnd());
const rule = '-'.repeat(RECEIPT_COLUMNS);

/** Printers have no UTF-8: a promotion's name or a coupon's words with anything else replaced. */
const ascii = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');
/** A coupon as the receipt names it: its serial within its promotion (`#17`), not the whole id. */
const couponSerial = (couponId: string) => {
  const at = couponId.lastIndexOf(':');
  return at >= 0 ? `#${couponId.slice(at + 1)}` : couponId;
};

export interface ReceiptInput {
  readonly storeName: string;
  readonly number: string | null;
  readonly saleId: string;
  readonly lane: number | null;
  readonly at: number;
  readonly timeZone: string;
  readonly currency: string;
  readonly lines: readonly {
    name: string;
    sku: string;
    qty: number;
    unitPriceMinor: number;
    /** The line's promotions (issue #25), each printed under it with the amount off. */
    promotions?: readonly { name: string; discountMinor: number }[];
    /** A manager's price override (issue #27): marked under the line. */
    priceOverride?: boolean;
  }[];
  /** The coupons the sale took (`<promotionId>:<serial>` and what it did, in words). */
  readonly coupons?: readonly { couponId: string; message: string }[];
  /** What promotions took off in all: "You saved $X" when more than 0. */
  readonly savedMinor?: number;
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly tender: { kind: string; reference: string | null; givenMinor: number | null; changeMinor: number | null };
  readonly returnWindowDays: number;
  /** The last four digits of the customer's loyalty card, if one was shown: the receipt never prints more. */
  readonly customerCardLastFour?: string | null;
  /** The name of the person who served the customer (issue #27): "Served by Jo" (the first name only). */
  readonly servedBy?: string | null;
}

export function saleReceipt(r: ReceiptInput): string {
  const m = (minor: number) => formatMoney(money(minor, r.currency));
  const byDay = returnWindow(r.at, r.returnWindowDays, r.timeZone).until;
  return [
    ...center(r.storeName),
    ...center(localTime(r.at, r.timeZone)),
    ...center(`Sale ${r.number ?? r.saleId}${r.lane ? ` (lane ${r.lane})` : ''}`), // ASCII: printers have no UTF-8
    rule,
    ...r.lines.flatMap((l) => [
      ...row(`${l.qty} x ${l.name}`, m(l.unitPriceMinor * l.qty)),
      ...(l.qty > 1 ? [`    @ ${m(l.unitPriceMinor)} each`] : []),
      ...(l.priceOverride ? ['    (price override)'] : []),
      ...(l.promotions ?? []).flatMap((p) => row(ascii(p.name), `-${m(p.discountMinor)}`, 2)),
    ]),
    ...(r.coupons ?? []).flatMap((c) => wrap(`Coupon ${couponSerial(c.couponId)}: ${ascii(c.message)}`)),
    rule,
    ...row('Subtotal', m(r.subtotalMinor)),
    ...row('Tax', m(r.taxMinor)),
    ...row('TOTAL', m(r.totalMinor)),
    ...(r.tender.kind === 'CARD'
      ? row(`Card ${r.tender.reference ?? ''}`.trim(), m(r.totalMinor))
      : row('Cash', m(r.tender.givenMinor ?? r.totalMinor))),
    ...(r.tender.changeMinor !== null ? row('Change', m(r.tender.changeMinor)) : []),
    ...(r.customerCardLastFour ? [`Customer card ending ${r.customerCardLastFour}`] : []),
    ...(r.servedBy?.trim() ? wrap(`Served by ${ascii(r.servedBy.trim().split(/\s+/)[0]!)}`) : []),
    ...(r.savedMinor ? center(`You saved ${m(r.savedMinor)}`) : []),
    rule,
    ...wrap(
      r.returnWindowDays > 0
        ? `Returns: within ${r.returnWindowDays} days (until ${byDay}). Bring the item and this receipt. The refund goes back the way you paid: to the same card, or in cash.`
        : 'Sales are final: this store takes no returns.',
    ),
  ].join('\n');
}

export interface SlipInput {
  readonly storeName: string;
  readonly number: string | null;
  readonly returnId: string;
  readonly saleNumber: string | null;
  readonly saleId: string;
  readonly at: number;
  readonly timeZone: string;
  readonly currency: string;
  readonly lines: readonly { name: string; sku: string; qty: number; refund: number }[];
  readonly refund: { kind: 'CASH' } | { kind: 'CARD'; reference: string };
}

export function returnSlip(s: SlipInput): string {
  const m = (minor: number) => formatMoney(money(minor, s.currency));
  const total = s.lines.reduce((n, l) => n + l.refund, 0);
  return [
    ...center(s.storeName),
    ...center('RETURN'),
    ...center(localTime(s.at, s.timeZone)),
    ...center(`Return ${s.number ?? s.returnId}`),
    ...center(`for sale ${s.saleNumber ?? s.saleId}`),
    rule,
    ...s.lines.flatMap((l) => row(`${l.qty} x ${l.name}`, `-${m(l.refund)}`)),
    rule,
    ...row('REFUND', m(total)),
    ...row(s.refund.kind === 'CARD' ? `To card ${s.refund.reference}` : 'In cash', m(total)),
  ].join('\n');
}
