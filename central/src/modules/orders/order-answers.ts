import { z } from 'zod';
import { FULFILMENT_TYPES } from '@storefleet/shared';
import { COMPENSATIONS, STEPS } from './saga-rules.js';

/**
 * What the order routes answer, as the OpenAPI document promises it (issue #26): the stored `Order` (types.ts), cut for
 * a store as store-view.ts says. `Order` stays the source of the type; `central/tests/openapi-responses.test.ts`
 * validates real answers against these, so a field added to or dropped from the order fails there first.
 */

const money = z.number().int().min(0);
const epochMs = z.number().int();

/**
 * DELIVERY only. Head office reads the whole request (address with coordinates, phone, instructions); a store only
 * the speed, the window and the area (postcode and city): the address's other fields are present or not by who asks.
 */
const deliveryRequest = z.looseObject({
  speed: z.string(),
  address: z.looseObject({ city: z.string(), postcode: z.string() }),
});

const fulfilment = z.strictObject({
  type: z.enum(FULFILMENT_TYPES),
  storeId: z.string().nullable(),
  /** Where the stock is held: the store, or for SHIP the distribution centre chosen when it was reserved. */
  locationId: z.string().nullable(),
  parkingSpot: z.string().nullable().optional(),
  checkedInAt: epochMs.nullable().optional(),
  delivery: deliveryRequest.optional(),
  promisedWindow: z.strictObject({ from: epochMs, to: epochMs }).optional(),
});

/** An order: number, status, customer, fulfilment, lines, totals and payment state. */
export const orderAnswer = z.strictObject({
  id: z.string(),
  orderNumber: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  placeKey: z.string(),
  placedStoreId: z.string().nullable(),
  status: z.enum(['PENDING', 'CONFIRMED', 'COMPENSATING', 'FAILED', 'CANCELLED', 'PICKED_UP']),
  step: z.enum([...STEPS, 'DONE']),
  compensations: z.array(z.enum(COMPENSATIONS)),
  endStatus: z.enum(['FAILED', 'CANCELLED']).nullable(),
  fulfilment,
  lines: z.array(
    z.strictObject({
      sku: z.string(),
      name: z.string(),
      qty: z.number().int().min(1),
      unitPriceMinor: money,
      taxClass: z.string(),
      /** Absent on orders placed before orders were priced through the pricing module. */
      discountMinor: money.optional(),
    }),
  ),
  fromCart: z.boolean(),
  subtotalMinor: money,
  taxMinor: money,
  totalMinor: money,
  discountMinor: money,
  promotions: z.array(z.strictObject({ promotionId: z.string(), name: z.string(), discountMinor: money })),
  coupons: z.array(z.strictObject({ couponId: z.string(), promotionId: z.string(), discountMinor: money })),
  currency: z.string().regex(/^[A-Z]{3}$/),
  reservationId: z.string().nullable(),
  paymentAttempted: z.boolean(),
  paymentRef: z.string().nullable(),
  fulfilmentRef: z.string().nullable(),
  failure: z.string().nullable(),
  pickedUp: z.strictObject({ at: epochMs, storeId: z.string() }).nullable(),
  paymentCapturedAt: epochMs.nullable(),
  createdAt: epochMs,
  updatedAt: epochMs,
});

/** One order read: the order and its timeline (the saga's steps, check-in, cancellation), oldest first. */
export const orderWithTimelineAnswer = orderAnswer.extend({
  timeline: z.array(
    z.strictObject({
      seq: z.number().int(),
      at: epochMs,
      kind: z.string(),
      /** What the step recorded; its shape is the step's own (a store sees a DELIVERY's area only). */
      detail: z.unknown(),
    }),
  ),
});

/** A list of orders, newest first. */
export const orderListAnswer = z.strictObject({ items: z.array(orderAnswer) });
