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

export const saleCompletedSchema = z.strictObject({
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

export const saleReturnedSchema = z.strictObject({
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
export type SaleReturned = z.infer<typeof saleReturnedSchema>;

/** Every event type with a schema here, by name: the hub's handlers and the store's emitters look them up. */
export const eventPayloadSchemas = {
  'sale.completed': saleCompletedSchema,
  'sale.voided': saleVoidedSchema,
  'sale.returned': saleReturnedSchema,
} as const;
export type SchemaEventType = keyof typeof eventPayloadSchemas;
