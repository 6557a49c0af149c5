import { z } from 'zod';
import { skuSchema } from '../validation.js';

/**
 * Last-mile delivery on the wire, defined once (issue #18): what a customer asks for when an order is to be brought to
 * the door, the store's copy of each delivery that leaves from it (`delivery.changed`, hub → store), goods of a failed
 * delivery coming back to that store's stock (`delivery.returned`, hub → store), and the store's hand-over of the goods
 * to the driver (`delivery.handed-to-driver`, store → hub; offline too). Strict and bounded like every wire payload.
 */
const id = z.string().min(1).max(64);
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const orderNumber = z.string().regex(/^SF-\d{1,15}$/);
/** A line break or tab is text; other control characters (NUL, escape, delete) are not. */
const hasControlCharacters = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return true;
  }
  return false;
};
/** Trimmed text of 1..max characters with no control characters but line breaks and tabs (the driver frames use it too). */
export const deliveryText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacters(s), { message: 'must not hold control characters' });

/** How fast: within 2 hours of the order, today, tomorrow, or a window the customer chose. */
export const DELIVERY_SPEEDS = ['TWO_HOUR', 'SAME_DAY', 'NEXT_DAY', 'WINDOW'] as const;
export type DeliverySpeed = (typeof DELIVERY_SPEEDS)[number];

/** The kinds of carrier the hub can offer a delivery to. */
export const CARRIER_KINDS = ['VAN', 'GIG', 'DSP', 'DRONE'] as const;
export type CarrierKind = (typeof CARRIER_KINDS)[number];

/**
 * A delivery's life. REQUESTED: looking for a carrier (offers out); ASSIGNED: a carrier accepted, the goods wait at
 * the store; OUT_FOR_DELIVERY: the store handed them to the driver; ARRIVING: the driver is inside the geofence;
 * DELIVERED (proof taken) or FAILED (nobody home, refused, age check failed) — a failed one is RETURNING to the store
 * and RETURNED once its goods are back in that store's stock; UNASSIGNED: no carrier accepted in time (the order is
 * cancelled and refunded); CANCELLED: the order was cancelled before hand-over.
 */
export const DELIVERY_STATUSES = [
  'REQUESTED',
  'ASSIGNED',
  'OUT_FOR_DELIVERY',
  'ARRIVING',
  'DELIVERED',
  'FAILED',
  'RETURNING',
  'RETURNED',
  'UNASSIGNED',
  'CANCELLED',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Where to bring it. Coordinates come from the web/app's address search (geocoding is the client's); WGS84 degrees. */
export const deliveryAddressSchema = z.strictObject({
  line1: deliveryText(200),
  line2: deliveryText(200).optional(),
  city: deliveryText(100),
  postcode: deliveryText(20),
  lat: z.number().finite().min(-90).max(90),
  lon: z.number().finite().min(-180).max(180),
  /** For the driver ("ring twice", "side door"). */
  instructions: deliveryText(500).optional(),
});
export type DeliveryAddress = z.infer<typeof deliveryAddressSchema>;

const windowSpan = (w: { from: number; to: number }) => w.to - w.from;

/**
 * What the customer asked for with a DELIVERY order (`fulfilment.delivery` of `POST /api/orders`). `window` is needed
 * for WINDOW and refused for the other speeds (their window follows from the time of the order).
 */
export const deliveryRequestSchema = z
  .strictObject({
    speed: z.enum(DELIVERY_SPEEDS),
    window: z
      .strictObject({ from: epochMs, to: epochMs })
      .refine((w) => w.to > w.from, { message: 'a window ends after it starts', path: ['to'] })
      .optional(),
    address: deliveryAddressSchema,
    /** A phone number for the driver, as the customer typed it. */
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{6,24}$/, { message: 'a phone number is digits, spaces, ( ) - and an optional leading +' })
      .optional(),
  })
  .refine((r) => (r.speed === 'WINDOW') === (r.window !== undefined), {
    message: 'a WINDOW delivery needs its window; the other speeds take none',
    path: ['window'],
  })
  // How long a chosen window may be needs no clock (whether it lies in the past, or too far ahead, is the hub's to
  // say); said of a WINDOW delivery's only (another speed's window is refused for being there at all).
  .refine(
    (r) => r.speed !== 'WINDOW' || !r.window || windowSpan(r.window) >= 30 * 60_000 || windowSpan(r.window) <= 0,
    {
      message: 'a window is at least 30 minutes long',
      path: ['window', 'to'],
    },
  )
  .refine((r) => r.speed !== 'WINDOW' || !r.window || windowSpan(r.window) <= 12 * 3_600_000, {
    message: 'a window is at most 12 hours long',
    path: ['window', 'to'],
  });
export type DeliveryRequest = z.infer<typeof deliveryRequestSchema>;

/**
 * `delivery.changed` (hub → store): a delivery leaving from this store as the hub has it now, for the store's delivery
 * desk (what to bring out, for whom, which driver collects it and by when). The store keeps the newest by `updatedAt`.
 */
export const deliveryChangedSchema = z.strictObject({
  id,
  orderNumber,
  /** The order's hold at this store: handing the goods to the driver hands this hold over. */
  reservationId: id,
  status: z.enum(DELIVERY_STATUSES),
  speed: z.enum(DELIVERY_SPEEDS),
  window: z.strictObject({ from: epochMs, to: epochMs }),
  /** As the desk shows it: a first name and an initial. */
  customerName: z.string().min(1).max(100),
  /** The postcode and city, enough to sort bags by area; the full address stays at the hub. */
  area: z.string().min(1).max(140),
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: z.number().int().min(1).max(10_000) }))
    .min(1)
    .max(500)
    .readonly(),
  carrier: z.strictObject({ kind: z.enum(CARRIER_KINDS), name: z.string().min(1).max(100) }).nullable(),
  /** Who collects it, as the desk checks them (name and vehicle plate or drone id); null until assigned. */
  driver: z.strictObject({ name: z.string().min(1).max(100), vehicle: z.string().min(1).max(40) }).nullable(),
  /** When the driver is due at the store to collect; null until assigned. */
  collectBy: epochMs.nullable(),
  /** Age-restricted goods: the driver checks ID and takes a PIN at the door. */
  ageRestricted: z.boolean(),
  updatedAt: epochMs,
});
export type DeliveryChanged = z.infer<typeof deliveryChangedSchema>;

/**
 * `delivery.returned` (hub → store): the goods of a failed delivery are back at this store; the store puts them into
 * its stock (a RETURN movement referring to the delivery), once per delivery.
 */
export const deliveryReturnedSchema = z.strictObject({
  id,
  orderNumber,
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: z.number().int().min(1).max(10_000) }))
    .min(1)
    .max(500)
    .readonly(),
  reason: z.string().min(1).max(500),
  at: epochMs,
});
export type DeliveryReturned = z.infer<typeof deliveryReturnedSchema>;

/**
 * `delivery.handed-to-driver` (store → hub): the store gave the goods to the driver at `at` (the store's clock), offline
 * too; the hub marks the delivery OUT_FOR_DELIVERY. The store hands the order's hold over in the same write
 * (`reservation.picked-up`), which moves its stock.
 */
export const deliveryHandedToDriverSchema = z.strictObject({
  deliveryId: id,
  at: epochMs,
  /** The driver's name as the associate checked it. */
  driverName: z.string().trim().min(1).max(100).optional(),
});
export type DeliveryHandedToDriver = z.infer<typeof deliveryHandedToDriverSchema>;

/** The delivery feed entries, merged into `feedPayloadSchemas`. */
export const deliveryFeedSchemas = {
  'delivery.changed': deliveryChangedSchema,
  'delivery.returned': deliveryReturnedSchema,
} as const;
