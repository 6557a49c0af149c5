import { seededRandom } from '@storefleet/devices';
import { DEFAULT_TAX_RATES_PPM, uuidv7 } from '@storefleet/shared';
import { basketTotals, lineTotals } from '../../../store-node/src/pos/basket-rules.js';
import type { LineRow, SaleRow } from '../../../store-node/src/pos/pos-repository.js';
import { saleCompletedPayload, saleReturnedPayload } from '../../../store-node/src/pos/sale-events.js';

/** A product as the till prices it. */
export interface TillProduct {
  readonly sku: string;
  readonly priceMinor: number;
}

export interface TillEvent {
  readonly type: 'stock.moved' | 'sale.completed' | 'sale.returned';
  readonly payload: unknown;
}

export interface TillDay {
  readonly events: TillEvent[];
  readonly sales: number;
  readonly returns: number;
}

const CURRENCY = 'USD';
/** Returns per sale, as the offline-shift mix has them (6 returns to 80 sales). */
const RETURN_RATE = 6 / 80;

/**
 * What one store's till sends the hub for a day of `sales` cash sales of 1–3 lines, built with the till's own payload
 * builders (store-node/src/pos/sale-events.ts): per sale a `stock.moved` per line then its `sale.completed`, and for
 * some sales a return of one unit of their first line (`stock.moved` back, `sale.returned`), as the till writes them.
 */
export function tillDay(products: readonly TillProduct[], sales: number, at: number, seed: number): TillDay {
  const random = seededRandom(seed);
  const events: TillEvent[] = [];
  let returns = 0;
  for (let i = 0; i < sales; i++) {
    const saleAt = at + i;
    const id = uuidv7(saleAt);
    const lines: LineRow[] = [];
    for (let n = 1 + Math.floor(random() * 3); lines.length < n; ) {
      const p = products[Math.floor(random() * products.length)]!;
      if (!lines.some((l) => l.sku === p.sku))
        lines.push({
          sku: p.sku,
          name: p.sku,
          tax_class: 'STANDARD',
          unit_price_minor: p.priceMinor,
          qty: 1 + Math.floor(random() * 2),
        });
    }
    const t = basketTotals(
      lines.map((l) => ({ sku: l.sku, unitPriceMinor: l.unit_price_minor, qty: l.qty, taxClass: l.tax_class })),
      DEFAULT_TAX_RATES_PPM,
      CURRENCY,
    );
    const row: SaleRow = {
      id,
      status: 'COMPLETED',
      currency: CURRENCY,
      subtotal_minor: t.subtotal.minor,
      tax_minor: t.tax.minor,
      total_minor: t.total.minor,
      tender_kind: 'CASH',
      tender_ref: null,
      cash_given_minor: t.total.minor,
      opened_at: saleAt,
      closed_at: saleAt,
      void_reason: null,
      lane: 1,
      number: `S000-01-${String(i + 1).padStart(5, '0')}`, // the shape a lane's numbers have (#17)
    };
    for (const l of lines)
      events.push({ type: 'stock.moved', payload: { sku: l.sku, delta: -l.qty, kind: 'SALE', at: saleAt, ref: id } });
    events.push({ type: 'sale.completed', payload: saleCompletedPayload(row, lines, DEFAULT_TAX_RATES_PPM) });
    if (random() < RETURN_RATE) {
      const l = lines[0]!;
      const refund = lineTotals(
        { sku: l.sku, unitPriceMinor: l.unit_price_minor, qty: 1, taxClass: l.tax_class },
        DEFAULT_TAX_RATES_PPM,
        CURRENCY,
      ).total.minor;
      events.push({ type: 'stock.moved', payload: { sku: l.sku, delta: 1, kind: 'RETURN', at: saleAt, ref: id } });
      events.push({
        type: 'sale.returned',
        payload: saleReturnedPayload({
          returnId: uuidv7(saleAt),
          number: `S000-01-R${String(returns + 1).padStart(5, '0')}`,
          saleNumber: row.number,
          saleId: id,
          currency: CURRENCY,
          at: saleAt,
          lines: [{ sku: l.sku, qty: 1, refund }],
          cardRefundReference: null,
        }),
      });
      returns++;
    }
  }
  return { events, sales, returns };
}
