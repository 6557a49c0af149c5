import type { z } from 'zod';
import {
  eventPayloadSchemas,
  type SaleCompleted,
  type SaleReturned,
  type SaleVoided,
  type SchemaEventType,
} from '@storefleet/shared';
import type { Emit } from '../sync/store-sync.js';
import { keptList } from './basket-pricing.js';
import { lineTotals, type TaxRates } from './basket-rules.js';
import type { LineRow, SaleRow } from './pos-repository.js';

/**
 * The till's events for the hub's sales ledger (payloads defined in shared/src/protocol/events.ts), built from what
 * the sale's transaction writes and emitted in that same transaction, beside its `stock.moved` events. Each payload
 * is checked against the shared schema first: one the hub would refuse throws, so the transaction — and the sale —
 * fails whole instead of sending the hub something it parks. The basket's limits (basket-rules.ts) keep a real sale
 * inside the schema's bounds.
 */
export function emitSaleEvent<T extends SchemaEventType>(
  emit: Emit,
  type: T,
  payload: z.infer<(typeof eventPayloadSchemas)[T]>,
): void {
  const checked = eventPayloadSchemas[type].safeParse(payload);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new Error(
      `the ${type} event would be refused by the hub (${issue.path.join('.') || 'payload'}: ${issue.message}); nothing was recorded`,
    );
  }
  emit(type, checked.data);
}

/** What every sale event says of its sale: its id, lane (`03`) and number, when it has them (sales before #17 do not). */
const header = (s: SaleRow) => ({
  saleId: s.id,
  lane: s.lane ? String(s.lane).padStart(2, '0') : null,
  ...(s.number ? { number: s.number } : {}),
  currency: s.currency,
  openedAt: s.opened_at,
});

/** `customerCard`: the loyalty card shown at the lane for this sale (checked), so the hub counts the sale as theirs. */
export function saleCompletedPayload(
  s: SaleRow,
  lines: readonly LineRow[],
  rates: TaxRates,
  customerCard: string | null = null,
): SaleCompleted {
  if (s.tender_kind === 'CARD' && !s.tender_ref)
    throw new Error(`sale ${s.id} was paid by card without a terminal reference`);
  const promotions = keptList<{ promotionId: string; name: string; discountMinor: number }>(s.promotions).map((p) => ({
    promotionId: p.promotionId,
    name: p.name,
    discountMinor: p.discountMinor,
  }));
  return {
    ...header(s),
    closedAt: s.closed_at ?? s.opened_at,
    lines: lines.map((l) => {
      // A line priced with promotions (#25) carries what they took off and the tax charged on its net; one from
      // before has neither, and its tax is the rate's on unit × qty as it always was.
      const discount = l.discount_minor ?? 0;
      const tax =
        l.tax_minor ??
        lineTotals(
          { sku: l.sku, unitPriceMinor: l.unit_price_minor, qty: l.qty, taxClass: l.tax_class },
          rates,
          s.currency,
        ).tax.minor;
      return {
        sku: l.sku,
        qty: l.qty,
        unitPriceMinor: l.unit_price_minor,
        taxClass: l.tax_class,
        ...(discount ? { discountMinor: discount } : {}),
        subtotalMinor: l.unit_price_minor * l.qty - discount,
        taxMinor: tax,
      };
    }),
    subtotalMinor: s.subtotal_minor,
    taxMinor: s.tax_minor,
    totalMinor: s.total_minor,
    tenders: [
      s.tender_kind === 'CARD'
        ? { kind: 'CARD', amountMinor: s.total_minor, reference: s.tender_ref! }
        : { kind: 'CASH', amountMinor: s.total_minor, givenMinor: s.cash_given_minor ?? s.total_minor },
    ],
    ...(customerCard ? { customerCard } : {}),
    ...(promotions.length ? { promotions } : {}),
    ...(s.rules_revision != null ? { rulesRevision: s.rules_revision } : {}),
  };
}

export function saleVoidedPayload(
  s: SaleRow,
  lines: readonly LineRow[],
  voidedCardReference: string | null,
): SaleVoided {
  return {
    ...header(s),
    voidedAt: s.closed_at ?? s.opened_at,
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    voidedCardReference,
  };
}

export interface ReturnRecord {
  readonly returnId: string;
  readonly saleId: string;
  /** The return slip's number and its sale's, when they have one. */
  readonly number: string | null;
  readonly saleNumber: string | null;
  readonly currency: string;
  readonly at: number;
  readonly lines: readonly { sku: string; qty: number; refund: number }[];
  /** The terminal's refund reference when the money went back to the card; null for cash. */
  readonly cardRefundReference: string | null;
}

export function saleReturnedPayload(r: ReturnRecord): SaleReturned {
  return {
    returnId: r.returnId,
    saleId: r.saleId,
    ...(r.number ? { number: r.number } : {}),
    ...(r.saleNumber ? { saleNumber: r.saleNumber } : {}),
    currency: r.currency,
    at: r.at,
    lines: r.lines.map((l) => ({ sku: l.sku, qty: l.qty, refundMinor: l.refund })),
    refundMinor: r.lines.reduce((n, l) => n + l.refund, 0),
    refund: r.cardRefundReference ? { kind: 'CARD', reference: r.cardRefundReference } : { kind: 'CASH' },
  };
}
