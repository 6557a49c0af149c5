import type { SaleCompleted, SaleReturned, SaleVoided } from '@storefleet/shared';

/** A paid sale of `lines` ([sku, qty, unit price]) at 10% tax, closed at `closedAt`. */
export function completed(
  saleId: string,
  closedAt: number,
  lines: [string, number, number][],
  lane: string | null = 'LANE-1',
): SaleCompleted {
  const rows = lines.map(([sku, qty, unit]) => ({
    sku,
    qty,
    unitPriceMinor: unit,
    taxClass: 'STANDARD',
    subtotalMinor: qty * unit,
    taxMinor: Math.round(qty * unit * 0.1),
  }));
  const subtotalMinor = rows.reduce((n, l) => n + l.subtotalMinor, 0);
  const taxMinor = rows.reduce((n, l) => n + l.taxMinor, 0);
  const totalMinor = subtotalMinor + taxMinor;
  return {
    saleId,
    lane,
    currency: 'USD',
    openedAt: closedAt - 60_000,
    closedAt,
    lines: rows,
    subtotalMinor,
    taxMinor,
    totalMinor,
    tenders: [{ kind: 'CARD', amountMinor: totalMinor, reference: `AUTH-${saleId}` }],
  };
}

export function voided(saleId: string, voidedAt: number): SaleVoided {
  return {
    saleId,
    lane: 'LANE-1',
    currency: 'USD',
    openedAt: voidedAt - 30_000,
    voidedAt,
    lines: [{ sku: 'MUG', qty: 1 }],
    voidedCardReference: null,
  };
}

export function returned(
  returnId: string,
  saleId: string,
  at: number,
  sku: string,
  qty: number,
  refundMinor: number,
): SaleReturned {
  return {
    returnId,
    saleId,
    currency: 'USD',
    at,
    lines: [{ sku, qty, refundMinor }],
    refundMinor,
    refund: { kind: 'CASH' },
  };
}

export { parkedOf, StoreOutbox } from '../../../../tests/support/store-outbox.js';
