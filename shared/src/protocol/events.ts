import { z } from 'zod';

/**
 * Payloads of the events stores send up and the feed entries the hub sends down, defined once: the sending end builds
 * them with these types and the receiving end validates with these schemas (a payload that fails is parked, never
 * applied). Each schema is strict and bounded, so a hostile or corrupt payload is refused whole.
 *
 * Sales (store → hub): `sale.completed` when a basket is paid, `sale.voided` when an open basket is voided,
 * `sale.returned` when items of a completed sale come back. The hub keeps the fleet's sales ledger from them; stock
 * moves separately (`stock.moved`, one per line).
 */
const id = z.string().min(1).max(64);
const sku = z.string().min(1).max(64);
const minor = z.number().int().min(0).max(1_000_000_000_00);
const qty = z.number().int().min(1).max(10_000);
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const currency = z.string().regex(/^[A-Z]{3}$/);

export const saleLineSchema = z.strictObject({
  sku,
  qty,
  unitPriceMinor: minor,
  taxClass: z.string().min(1).max(32),
  /** unit price × qty, before tax */
  subtotalMinor: minor,
  taxMinor: minor,
});

export const saleTenderSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('CASH'), amountMinor: minor, givenMinor: minor }),
  /** `reference`: the terminal's authorisation reference (what a refund or void names). */
  z.strictObject({ kind: z.literal('CARD'), amountMinor: minor, reference: z.string().min(1).max(128) }),
]);

/** The sum of `minorOf` over `items`. */
const sum = <T>(items: readonly T[], minorOf: (t: T) => number) => items.reduce((n, t) => n + minorOf(t), 0);
/** The arithmetic is checked only on a payload whose fields are each well-formed: one fault, one message. */
const wellFormed = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/**
 * A paid sale must add up the way a receipt does: every line is qty × unit price, the sale's subtotal and tax are its
 * lines' sums, its total is subtotal + tax, the tenders pay exactly the total, and cash given covers its tender. A
 * payload that breaks one is refused whole (its message names the field and both numbers), so a bad total can never
 * reach the hub's daily figures.
 */
function checkSaleArithmetic(s: z.output<typeof saleShape>, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  s.lines.forEach((l, i) => {
    if (l.subtotalMinor !== l.qty * l.unitPriceMinor) fail(['lines', i, 'subtotalMinor'], `subtotalMinor ${l.subtotalMinor} is not qty ${l.qty} × unitPriceMinor ${l.unitPriceMinor}`);
  });
  const linesSubtotal = sum(s.lines, (l) => l.subtotalMinor);
  const linesTax = sum(s.lines, (l) => l.taxMinor);
  if (s.subtotalMinor !== linesSubtotal) fail(['subtotalMinor'], `subtotalMinor ${s.subtotalMinor} is not the lines' subtotals ${linesSubtotal}`);
  if (s.taxMinor !== linesTax) fail(['taxMinor'], `taxMinor ${s.taxMinor} is not the lines' tax ${linesTax}`);
  if (s.totalMinor !== s.subtotalMinor + s.taxMinor) fail(['totalMinor'], `totalMinor ${s.totalMinor} is not subtotal ${s.subtotalMinor} + tax ${s.taxMinor}`);
  const tendered = sum(s.tenders, (t) => t.amountMinor);
  if (tendered !== s.totalMinor) fail(['tenders'], `the tenders pay ${tendered}, not the totalMinor ${s.totalMinor}`);
  s.tenders.forEach((t, i) => {
    if (t.kind === 'CASH' && t.givenMinor < t.amountMinor) fail(['tenders', i, 'givenMinor'], `givenMinor ${t.givenMinor} is less than the cash amountMinor ${t.amountMinor}`);
  });
}

const saleShape = z.strictObject({
  saleId: id,
  /** The lane (till) that rang it up, when the store knows it. */
  lane: z.string().min(1).max(64).nullable(),
  currency,
  openedAt: epochMs,
  closedAt: epochMs,
  lines: z.array(saleLineSchema).min(1).max(100),
  subtotalMinor: minor,
  taxMinor: minor,
  totalMinor: minor,
  tenders: z.array(saleTenderSchema).min(1).max(10),
});
export const saleCompletedSchema = saleShape.superRefine(checkSaleArithmetic, wellFormed);
export type SaleCompleted = z.infer<typeof saleCompletedSchema>;

export const saleVoidedSchema = z.strictObject({
  saleId: id,
  lane: z.string().min(1).max(64).nullable(),
  currency,
  openedAt: epochMs,
  voidedAt: epochMs,
  /** What the basket held when it was voided (it may be empty). */
  lines: z.array(z.strictObject({ sku, qty })).max(100),
  /** A card approved for this basket that was voided at the terminal with it, if any. */
  voidedCardReference: z.string().min(1).max(128).nullable(),
});
export type SaleVoided = z.infer<typeof saleVoidedSchema>;

/** A return's refund is the sum of its lines' refunds (each line's refund includes its tax). */
function checkReturnArithmetic(r: z.output<typeof returnShape>, ctx: z.RefinementCtx): void {
  const lines = sum(r.lines, (l) => l.refundMinor);
  if (r.refundMinor !== lines) ctx.addIssue({ code: 'custom', path: ['refundMinor'], message: `refundMinor ${r.refundMinor} is not the lines' refunds ${lines}` });
}

const returnShape = z.strictObject({
  returnId: id,
  saleId: id,
  currency,
  at: epochMs,
  lines: z.array(z.strictObject({ sku, qty, refundMinor: minor })).min(1).max(100),
  refundMinor: minor,
  /** How the money went back: to the card the sale was paid with (its refund reference) or in cash. */
  refund: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('CASH') }),
    z.strictObject({ kind: z.literal('CARD'), reference: z.string().min(1).max(128) }),
  ]),
});
export const saleReturnedSchema = returnShape.superRefine(checkReturnArithmetic, wellFormed);
export type SaleReturned = z.infer<typeof saleReturnedSchema>;

/** Every event type with a schema here, by name: the hub's handlers and the store's emitters look them up. */
export const eventPayloadSchemas = {
  'sale.completed': saleCompletedSchema,
  'sale.voided': saleVoidedSchema,
  'sale.returned': saleReturnedSchema,
} as const;
export type SchemaEventType = keyof typeof eventPayloadSchemas;
