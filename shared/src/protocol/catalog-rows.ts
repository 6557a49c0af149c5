import { z } from 'zod';
import { TAX_CLASSES } from '../catalog.js';
import { minorUnitsSchema, skuSchema } from '../validation.js';

/** A featured product's place on the kiosk home page within its category: 1 first. */
export const featuredRankSchema = z.number().int().min(1).max(1000);

/**
 * One product row of the hub's `catalog` bootstrap section (a store's cold start and its pulls after `catalog.changed`),
 * as the store checks it before writing: each known field bounded like the feed's entries, so a corrupt or hostile page
 * is refused whole (the pull fails and is retried) instead of half-applied. `featuredRank` may be absent (a hub from
 * before featuring): not featured. A field the store does not know is dropped, not refused: a newer hub that adds one
 * must not stall every older store's pulls.
 */
export const catalogRowSchema = z.object({
  sku: skuSchema,
  gtin: z
    .string()
    .regex(/^\d{8,14}$/)
    .nullable(),
  name: z.string().min(1).max(300),
  brand: z.string().max(200).nullable(),
  size: z.string().max(100).nullable(),
  category: z.string().min(1).max(100),
  priceMinor: minorUnitsSchema,
  currency: z.string().regex(/^[A-Z]{3}$/),
  taxClass: z.enum(TAX_CLASSES),
  featuredRank: featuredRankSchema.nullable().default(null),
  updatedAt: z.number().int().min(0).max(8_640_000_000_000),
  version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type CatalogRow = z.output<typeof catalogRowSchema>;
