import { z } from 'zod';

/**
 * What the availability reads a lane, a kiosk or an app asks answer, as the OpenAPI document promises them (issue
 * #26); `central/tests/openapi-responses.test.ts` validates real answers against them. The `StockLevel` and
 * `NearbyStore` interfaces stay the source of the types; these follow them.
 */

/** One sku's stock at one store, with the product's name (null when the catalog no longer holds it). */
export const stockLevelAnswer = z.strictObject({
  storeId: z.string(),
  sku: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int().min(0),
  safety: z.number().int().min(0),
  /** on hand − reserved − safety, never below 0: what may be promised. */
  available: z.number().int().min(0),
  /** Epoch milliseconds of the last change; null when nothing has moved yet. */
  updatedAt: z.number().int().nullable(),
  productName: z.string().nullable(),
});

/** The stores within reach that have the quantity asked for, nearest first. */
export const nearbyStoresAnswer = z.strictObject({
  items: z.array(
    z.strictObject({
      storeId: z.string(),
      code: z.string(),
      name: z.string(),
      distanceKm: z.number().min(0),
      available: z.number().int().min(0),
    }),
  ),
});
