import { z } from 'zod';
import { skuSchema } from '../validation.js';

/**
 * Recommendations (issue #21) on the wire.
 *
 * Store → hub: `recs.viewed` — a product looked at on a kiosk (with the kiosk session's customer when one showed their
 * card), one event per view; the hub counts it as a VIEW interaction (popularity, the customer's taste, the session).
 *
 * Hub → store: `recs.store-top` — after each training run, the store's own top list (popular here, by category) and
 * "bought together" pairs for those products, so the kiosk recommends with no network. The store keeps the newest by
 * `modelVersion` (an older entry arriving late is ignored).
 */
const id = z.string().min(1).max(64);
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const reason = z.string().min(1).max(200);
const score = z.number().min(0).max(1_000_000);
const category = z.string().min(1).max(64);

export const RECS_INTERACTION_KINDS = ['VIEW', 'CART_ADD', 'PURCHASE'] as const;
export type RecsInteractionKind = (typeof RECS_INTERACTION_KINDS)[number];

/** Where recommendations are shown; each surface has its own weights (home, product page, cart, kiosk). */
export const RECS_SURFACES = ['home', 'product', 'cart', 'kiosk'] as const;
export type RecsSurface = (typeof RECS_SURFACES)[number];

/** `recs.viewed` (store → hub): one product view on a kiosk. `viewId` makes a resent event count once. */
export const recsViewedSchema = z.strictObject({
  viewId: id,
  /** The kiosk session (random, per customer at the screen): what the session re-ranking groups by. */
  sessionId: id,
  /** The customer of the kiosk session when they showed their card, else null (counts for popularity only). */
  customerId: id.nullable(),
  sku: skuSchema,
  at: epochMs,
});
export type RecsViewed = z.infer<typeof recsViewedSchema>;

export const recsStoreItemSchema = z.strictObject({
  sku: skuSchema,
  category,
  score,
  /** Why, in words a customer reads ("Popular at this store", "Popular in Dairy"). */
  reason,
});
export type RecsStoreItem = z.infer<typeof recsStoreItemSchema>;

/** `recs.store-top` (hub → one store): its top list and "bought together" pairs from model `modelVersion`. */
export const recsStoreTopSchema = z.strictObject({
  modelVersion: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  generatedAt: epochMs,
  /** Best first, at most 100. */
  items: z.array(recsStoreItemSchema).max(100),
  /** For products of the list (and the store's best sellers): what is bought with them, best first. */
  pairs: z
    .array(
      z.strictObject({
        sku: skuSchema,
        with: z
          .array(z.strictObject({ sku: skuSchema, score, reason }))
          .min(1)
          .max(8),
      }),
    )
    .max(200),
});
export type RecsStoreTop = z.infer<typeof recsStoreTopSchema>;

export const recsEventSchemas = { 'recs.viewed': recsViewedSchema } as const;
export const recsFeedSchemas = { 'recs.store-top': recsStoreTopSchema } as const;
