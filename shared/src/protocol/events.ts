import { z } from 'zod';
import { skuSchema } from '../validation.js';
import { returnNumberSchema, saleNumberSchema } from '../sale-number.js';
import { bookingAdmittedSchema } from './booking.js';
import { deliveryHandedToDriverSchema } from './delivery.js';
import { feedPayloadSchemas } from './feed-entries.js';
import { recsEventSchemas } from './recommendations.js';
import { vaultEventSchemas } from './vault.js';
import { registryEventSchemas } from './registry.js';
import { pricingEventSchemas } from './pricing.js';
import { reviewsEventSchemas } from './reviews.js';
import { staffEventSchemas } from './staff.js';

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
  /**
   * What promotions took off this line (issue #25); absent = 0 (sales before promotions). The line's promotions are in
   * the sale's `promotions`.
   */
  discountMinor: minor.optional(),
  /** unit price × qty − discount, before tax (tax is charged on it) */
  subtotalMinor: minor,
  taxMinor: minor,
});

export const saleTenderSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('CASH'), amountMinor: minor, givenMinor: minor }),
  /** `reference`: the terminal's authorisation reference (what a refund or void names). */
  z.strictObject({ kind: z.literal('CARD'), amountMinor: minor, reference: z.string().min(1).max(128) }),
  /** Paid in the customer's app (Scan & Go, issue #25): `reference` is the payment provider's. */
  z.strictObject({ kind: z.literal('APP'), amountMinor: minor, reference: z.string().min(1).max(128) }),
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
    const off = l.discountMinor ?? 0;
    if (off > l.qty * l.unitPriceMinor)
      fail(
        ['lines', i, 'discountMinor'],
        `discountMinor ${off} is more than qty ${l.qty} × unitPriceMinor ${l.unitPriceMinor}`,
      );
    else if (l.subtotalMinor !== l.qty * l.unitPriceMinor - off)
      fail(
        ['lines', i, 'subtotalMinor'],
        off
          ? `subtotalMinor ${l.subtotalMinor} is not qty ${l.qty} × unitPriceMinor ${l.unitPriceMinor} − discountMinor ${off}`
          : `subtotalMinor ${l.subtotalMinor} is not qty ${l.qty} × unitPriceMinor ${l.unitPriceMinor}`,
      );
  });
  const linesSubtotal = sum(s.lines, (l) => l.subtotalMinor);
  const linesTax = sum(s.lines, (l) => l.taxMinor);
  if (s.subtotalMinor !== linesSubtotal)
    fail(['subtotalMinor'], `subtotalMinor ${s.subtotalMinor} is not the lines' subtotals ${linesSubtotal}`);
  if (s.taxMinor !== linesTax) fail(['taxMinor'], `taxMinor ${s.taxMinor} is not the lines' tax ${linesTax}`);
  if (s.totalMinor !== s.subtotalMinor + s.taxMinor)
    fail(['totalMinor'], `totalMinor ${s.totalMinor} is not subtotal ${s.subtotalMinor} + tax ${s.taxMinor}`);
  const tendered = sum(s.tenders, (t) => t.amountMinor);
  if (tendered !== s.totalMinor) fail(['tenders'], `the tenders pay ${tendered}, not the totalMinor ${s.totalMinor}`);
  s.tenders.forEach((t, i) => {
    if (t.kind === 'CASH' && t.givenMinor < t.amountMinor)
      fail(
        ['tenders', i, 'givenMinor'],
        `givenMinor ${t.givenMinor} is less than the cash amountMinor ${t.amountMinor}`,
      );
  });
}

const saleShape = z.strictObject({
  saleId: id,
  /** The lane (till) that rang it up, when the store knows it. */
  lane: z.string().min(1).max(64).nullable(),
  /** The sale's number on its receipt (`S001-03-00123`); absent in events from stores before #17. */
  number: saleNumberSchema.optional(),
  currency,
  openedAt: epochMs,
  closedAt: epochMs,
  lines: z.array(saleLineSchema).min(1).max(100),
  subtotalMinor: minor,
  taxMinor: minor,
  totalMinor: minor,
  tenders: z.array(saleTenderSchema).min(1).max(10),
  /**
   * The customer's loyalty card shown at the lane (16 digits, `29…`, its check digit checked offline), so the hub can
   * count the sale as theirs (recommendations, #21); absent when no card was shown and in events before #21.
   */
  customerCard: z
    .string()
    .regex(/^29\d{14}$/)
    .optional(),
  /**
   * The promotions applied to the sale (issue #25), each with what it took off in all; the lines' `discountMinor`
   * add up to their sum. Absent when none applied and in events before #25.
   */
  promotions: z
    .array(z.strictObject({ promotionId: z.string().uuid(), name: z.string().min(1).max(120), discountMinor: minor }))
    .max(100)
    .optional(),
  /** The pricing rules' revision the sale was priced with (issue #25), for audits of what a store knew. */
  rulesRevision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export const saleCompletedSchema = saleShape.superRefine(checkSaleArithmetic, wellFormed);
export type SaleCompleted = z.infer<typeof saleCompletedSchema>;

export const saleVoidedSchema = z.strictObject({
  saleId: id,
  lane: z.string().min(1).max(64).nullable(),
  /** The voided basket's sale number (numbers are gap-free: a voided one is accounted for); absent before #17. */
  number: saleNumberSchema.optional(),
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
  if (r.refundMinor !== lines)
    ctx.addIssue({
      code: 'custom',
      path: ['refundMinor'],
      message: `refundMinor ${r.refundMinor} is not the lines' refunds ${lines}`,
    });
}

const returnShape = z.strictObject({
  returnId: id,
  saleId: id,
  /** The return slip's number (`S001-03-R00007`) and the sale number it refers to; absent before #17. */
  number: returnNumberSchema.optional(),
  saleNumber: saleNumberSchema.optional(),
  currency,
  at: epochMs,
  lines: z
    .array(z.strictObject({ sku, qty, refundMinor: minor }))
    .min(1)
    .max(100),
  refundMinor: minor,
  /** How the money went back: to the card the sale was paid with (its refund reference) or in cash. */
  refund: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('CASH') }),
    z.strictObject({ kind: z.literal('CARD'), reference: z.string().min(1).max(128) }),
  ]),
});
export const saleReturnedSchema = returnShape.superRefine(checkReturnArithmetic, wellFormed);
export type SaleReturned = z.infer<typeof saleReturnedSchema>;

export const MOVEMENT_KINDS = [
  'SALE',
  'RETURN',
  'RECEIVE',
  'TRANSFER_OUT',
  'TRANSFER_IN',
  'ADJUSTMENT',
  'RFID_RECONCILE',
  'PICKUP',
] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** `stock.moved` (store → hub): one signed movement of one sku; the hub adds it to the store's PN-counter. */
export const stockMovedSchema = z.strictObject({
  sku: skuSchema,
  delta: z.number().int().min(-1_000_000).max(1_000_000),
  kind: z.enum(MOVEMENT_KINDS),
  /** When it happened at the store (epoch ms); the hub's receipt time when absent. */
  at: z.number().int().positive().max(8_640_000_000_000).optional(),
  /** What caused it at the store (a sale id, a reservation id), for tracing. */
  ref: z.string().max(100).optional(),
});
export type StockMoved = z.infer<typeof stockMovedSchema>;

const skuCount = z.number().int().min(0).max(1_000_000);
const unitCount = z.number().int().min(0).max(100_000_000);

/**
 * `stock.counted` (store → hub): what one complete RFID count cycle found, sent once per cycle whatever it found — a
 * count that matched on-hand everywhere sends this and no `stock.moved`. `skusCounted`: the RFID-tracked skus the
 * cycle compared (a tracked sku read zero times counts, as a zero); `skusMatching`: those whose count equals on-hand;
 * `unitsCounted`: tags read; `unitsOff`: the sum of |count − on-hand|. The hub keys it by (store, `countId`), so a
 * resend changes nothing. A window that did not see the whole floor is no count and is not sent.
 */
export const stockCountedSchema = z
  .strictObject({
    countId: id,
    at: epochMs,
    skusCounted: skuCount,
    skusMatching: skuCount,
    unitsCounted: unitCount,
    unitsOff: unitCount,
  })
  .refine((c) => c.skusMatching <= c.skusCounted, {
    path: ['skusMatching'],
    message: 'more skus match than were counted',
  })
  .refine((c) => c.skusMatching < c.skusCounted === c.unitsOff > 0, {
    path: ['unitsOff'],
    message: 'units are off exactly when a counted sku does not match',
  });
export type StockCounted = z.infer<typeof stockCountedSchema>;

/** `reservation.picked-up` / `reservation.no-show` (store → hub): a hold was handed over, or its customer never came. */
export const reservationEndedAtStoreSchema = z.strictObject({ reservationId: id });
export type ReservationEndedAtStore = z.infer<typeof reservationEndedAtStoreSchema>;

/**
 * Every event type with a schema, by name: what stores send up (sales, stock, pickups) and the feed entries the hub
 * sends down (`feed-entries.ts`). The hub's handlers and the store's feed handlers validate with them; a test fails
 * when a type is emitted or appended anywhere without an entry here.
 */
export const eventPayloadSchemas = {
  'sale.completed': saleCompletedSchema,
  'sale.voided': saleVoidedSchema,
  'sale.returned': saleReturnedSchema,
  'stock.moved': stockMovedSchema,
  'stock.counted': stockCountedSchema,
  'reservation.picked-up': reservationEndedAtStoreSchema,
  'reservation.no-show': reservationEndedAtStoreSchema,
  'delivery.handed-to-driver': deliveryHandedToDriverSchema,
  'booking.admitted': bookingAdmittedSchema,
  ...recsEventSchemas,
  ...vaultEventSchemas,
  ...registryEventSchemas,
  ...reviewsEventSchemas,
  ...staffEventSchemas,
  ...pricingEventSchemas,
  ...feedPayloadSchemas,
} as const;
export type SchemaEventType = keyof typeof eventPayloadSchemas;
export type EventPayload<T extends SchemaEventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

/**
 * The payload of a `type` event checked against its schema: the data when it conforms, or a message naming the first
 * faulty field (and how many more), for a refusal or a parked entry.
 */
export function checkEventPayload<T extends SchemaEventType>(
  type: T,
  payload: unknown,
): { ok: true; data: EventPayload<T> } | { ok: false; reason: string } {
  const parsed = eventPayloadSchemas[type].safeParse(payload);
  if (parsed.success) return { ok: true, data: parsed.data as EventPayload<T> };
  const [first, ...rest] = parsed.error.issues;
  return {
    ok: false,
    reason: `invalid ${type} payload: ${first?.path.join('.') || '(root)'}: ${first?.message}${rest.length ? ` (+${rest.length} more)` : ''}`,
  };
}

/** The payload of a `type` event or feed entry, checked: throws with the reason when it does not conform (a store's feed handler throws it, so the entry is parked). */
export function parseEventPayload<T extends SchemaEventType>(type: T, payload: unknown): EventPayload<T> {
  const checked = checkEventPayload(type, payload);
  if (!checked.ok) throw new Error(checked.reason);
  return checked.data;
}

/**
 * Splits a run of `type` events (a handler's batch) into those whose payload conforms and a refusal for each of the
 * rest, so a receiver parks a bad payload alone and applies its neighbours.
 */
export function partitionByPayload<E extends { readonly seq: number; readonly payload: unknown }>(
  type: SchemaEventType,
  events: readonly E[],
): { valid: E[]; refused: { seq: number; reason: string }[] } {
  const valid: E[] = [];
  const refused: { seq: number; reason: string }[] = [];
  for (const e of events) {
    const checked = checkEventPayload(type, e.payload);
    if (checked.ok) valid.push(e);
    else refused.push({ seq: e.seq, reason: checked.reason });
  }
  return { valid, refused };
}
