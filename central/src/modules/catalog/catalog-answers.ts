import { z } from 'zod';
import { catalogRowSchema } from '@storefleet/shared';

/**
 * What the catalog's reads answer, as the OpenAPI document promises them (issue #26): web and app teams generate
 * clients from these, and `central/tests/openapi-responses.test.ts` validates real answers against them, so a field
 * renamed or dropped in `CatalogRepository` fails there before a client breaks. `Product` stays the shared
 * `CatalogProduct` interface; these schemas are checked against it by that test, not derived from it.
 */

/** A product as the hub serves it: the same row stores check their catalog pages with (`catalogRowSchema`). */
export const productAnswer = catalogRowSchema;

/** A page of products by sku; `next` is the last sku of a full page (pass it as `after`), null on the last page. */
export const productPageAnswer = z.strictObject({
  items: z.array(productAnswer),
  next: z.string().nullable(),
});

/** Every category that has products, by name, with how many it holds. */
export const categoriesAnswer = z.strictObject({
  items: z.array(z.strictObject({ category: z.string().min(1), products: z.number().int().min(1) })),
});
