import { z } from 'zod';
import { holdSnapshotSchema } from './messages.js';
import { skuSchema } from '../validation.js';
import { bookingFeedSchemas } from './booking.js';
import { deliveryFeedSchemas } from './delivery.js';
import { recsFeedSchemas } from './recommendations.js';
import { tagsFeedSchemas } from './tags.js';
import { vaultFeedSchemas } from './vault.js';
import { registryFeedSchemas } from './registry.js';
import { pricingFeedSchemas } from './pricing.js';
import { reviewsFeedSchemas } from './reviews.js';
import { staffFeedSchemas } from './staff.js';

/**
 * Payloads of the feed entries the hub sends a store, defined once (see `eventPayloadSchemas` in `events.ts`): the hub
 * builds them with these types and the store checks each with its schema before applying it, so an entry that fails
 * is parked at the store with the reason instead of being half-applied. Strict and bounded like the store's events.
 */
const id = z.string().min(1).max(64);
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const count = z.number().int().min(-1_000_000_000).max(1_000_000_000);
/** An order's number as people read and type it (`SF-10482`); the order's UUID stays internal. */
const orderNumber = z.string().regex(/^SF-\d{1,15}$/);

/** `catalog.changed` (to every store): the catalog is at `version`; a store behind it pulls the changes. */
export const catalogChangedSchema = z.strictObject({ version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
export type CatalogChanged = z.infer<typeof catalogChangedSchema>;

export const HOLD_STATUSES = ['HELD', 'CONFIRMED', 'RELEASED', 'EXPIRED', 'FULFILLED'] as const;

/**
 * `reservation.changed`: a hold at this store as the hub has it now (granted, confirmed, ended, moved away by oversell
 * repair with `movedTo`, or cancelled with a `notice` for the customer). The store keeps the newest by `updatedAt`.
 */
export const reservationChangedSchema = z.strictObject({
  id,
  storeId: id.optional(),
  customerRef: z.string().min(1).max(500),
  status: z.enum(HOLD_STATUSES),
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: z.number().int().min(1).max(10_000) }))
    .max(500)
    .readonly(),
  expiresAt: epochMs,
  createdAt: epochMs.optional(),
  updatedAt: epochMs,
  /** Why the hub cancelled it, for the customer (oversell repair). */
  notice: z.string().min(1).max(1000).optional(),
  /** The store the hold was moved to (oversell repair); this store's copy is released. */
  movedTo: id.optional(),
  /** The order the hold is for (`SF-10482`), null for a hold on its own; absent from entries of older hubs. */
  orderNumber: orderNumber.nullable().optional(),
  /**
   * The store-keyed hash of the hold's typed pickup code (`typedCodeHash` in `pickup-code.ts`), what the store checks a
   * typed code against offline; null or absent for holds granted before typed codes.
   */
  pickupCodeHash: z.string().min(16).max(64).nullable().optional(),
});
export type ReservationChanged = z.infer<typeof reservationChangedSchema>;

/** `order.checked-in`: a curbside customer of this hold has arrived and waits at `parkingSpot`. */
export const orderCheckedInSchema = z.strictObject({
  orderId: id,
  /** Absent from entries of older hubs. */
  orderNumber: orderNumber.optional(),
  reservationId: id,
  parkingSpot: z.string().min(1).max(20),
  at: epochMs,
});
export type OrderCheckedIn = z.infer<typeof orderCheckedInSchema>;

/** `inventory.low-stock`: the hub's reorder suggestion for a sku of this store that fell to its reorder point. */
export const inventoryLowStockSchema = z.strictObject({
  sku: skuSchema,
  onHand: count,
  /** Held for pickups at the hub (absent from entries of older hubs). */
  reserved: count.optional(),
  velocityPerDay: z.number().finite().min(0).max(1_000_000_000),
  reorderPoint: count,
  suggestedQty: z.number().int().min(0).max(1_000_000_000),
  low: z.literal(true).optional(),
});
export type InventoryLowStock = z.infer<typeof inventoryLowStockSchema>;

/** `inventory.restocked`: the sku is back above its reorder point; its suggestion is withdrawn. */
export const inventoryRestockedSchema = z.strictObject({
  sku: skuSchema,
  onHand: count.optional(),
  reserved: count.optional(),
});
export type InventoryRestocked = z.infer<typeof inventoryRestockedSchema>;

/** Every feed entry type the hub sends down, by name. */
export const feedPayloadSchemas = {
  'catalog.changed': catalogChangedSchema,
  'reservation.changed': reservationChangedSchema,
  'reservation.snapshot': holdSnapshotSchema,
  'order.checked-in': orderCheckedInSchema,
  'inventory.low-stock': inventoryLowStockSchema,
  'inventory.restocked': inventoryRestockedSchema,
  ...deliveryFeedSchemas,
  ...bookingFeedSchemas,
  ...tagsFeedSchemas,
  ...recsFeedSchemas,
  ...vaultFeedSchemas,
  ...registryFeedSchemas,
  ...reviewsFeedSchemas,
  ...staffFeedSchemas,
  ...pricingFeedSchemas,
} as const;
export type FeedType = keyof typeof feedPayloadSchemas;
export type FeedPayload<T extends FeedType> = z.infer<(typeof feedPayloadSchemas)[T]>;

/** A feed entry built with its schema's type, so the hub cannot append a payload its stores would park. */
export const feedEntry = <T extends FeedType>(
  type: T,
  payload: FeedPayload<T>,
): { readonly type: T; readonly payload: FeedPayload<T> } => ({ type, payload });
