import { z } from 'zod';
import { skuSchema } from '../validation.js';

/**
 * Ratings and reviews (issue #24) on the wire.
 *
 * Hub → store: a small notice, `reviews.changed {revision}`, broadcast to every store when products' ratings changed
 * (at most one a run of the hub's `reviews.store-feed` job). The hub keeps each product's latest `ReviewStoreProduct`
 * once, at a revision from one growing sequence; a store pulls `GET /api/reviews/store-products?after=<the revision it
 * holds>&limit=` (pages in revision order, `reviewStoreProductsPageSchema`) until caught up — on the notice, at start,
 * and again with backoff when the hub was unreachable. A product's row replaces what the store held for it; `count: 0`
 * (a tombstone, kept at the hub) means it has no approved review left (the store drops it). The store keeps, per
 * product, the row with the highest `revision`. The cold start's `reviews` section is the same rows from revision 0.
 *
 * Store → hub: nothing yet (reviews are written online, through the web, the app or a kiosk that reaches the hub).
 */
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const revision = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Where a review stands: shown (APPROVED), waiting for a moderator, refused, or deleted by its author. */
export const REVIEW_STATUSES = ['APPROVED', 'MANUAL_REVIEW', 'REJECTED', 'DELETED'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Why a review was scored as it was: each rule or model that said something, with its weight. */
export const REVIEW_FRAUD_REASONS = [
  /** The text model's probability that the text is generated, not written by a customer. */
  'TEXT_MODEL',
  /** Many reviews from one client address in a short time (across customers). */
  'IP_BURST',
  /** Many reviews from one device in a short time (across customers). */
  'DEVICE_BURST',
  /** An account days old with several reviews already. */
  'NEW_ACCOUNT',
  /** The customer's ratings are all at one extreme (every review 5★, or every review 1★). */
  'RATING_PATTERN',
  /** A burst of extreme ratings on this product in a short time. */
  'PRODUCT_BURST',
  /** Near-duplicate text of another customer's review (MinHash/LSH, Jaccard similarity of shingles). */
  'NEAR_DUPLICATE',
  /** No purchase of the product by this customer is known. */
  'UNVERIFIED',
] as const;
export type ReviewFraudReason = (typeof REVIEW_FRAUD_REASONS)[number];

/** The sorts a product's reviews are listed by. */
export const REVIEW_SORTS = ['helpful', 'newest', 'rating_high', 'rating_low'] as const;
export type ReviewSort = (typeof REVIEW_SORTS)[number];

/** Products one page of `GET /api/reviews/store-products` carries at most. */
export const REVIEWS_FEED_PRODUCTS = 500;
/** Top reviews a store gets per product. */
export const REVIEWS_FEED_TOP = 3;

/** One review as a store shows it: the text clipped for a kiosk screen, the author by first name and initial only. */
export const reviewStoreItemSchema = z.strictObject({
  id: z.string().uuid(),
  rating: z.number().int().min(1).max(5),
  title: z.string().max(120),
  /** At most 600 characters (a kiosk card); the full text is online. */
  body: z.string().max(600),
  /** "Ana P." — never the customer's id or email. */
  author: z.string().max(60),
  verified: z.boolean(),
  helpful: count,
  createdAt: epochMs,
  /** The brand's or the store's answer, when there is one. */
  response: z.string().max(600).nullable(),
  /** Who answered ("Acme", "Quay Road store"): the kiosk says "Response from <as>"; null with no response. */
  as: z.string().max(80).nullable(),
});
export type ReviewStoreItem = z.infer<typeof reviewStoreItemSchema>;

/** A product's rating summary and top reviews, as a store holds it. */
export const reviewStoreProductSchema = z.strictObject({
  sku: skuSchema,
  /** Grows with every change of the product's summary: the store keeps the highest. */
  revision,
  /** Approved reviews. 0: none left (the store forgets the product). */
  count,
  /** Mean of the approved ratings, 0 when count is 0. */
  average: z.number().min(0).max(5),
  /** The Bayesian average the hub ranks by (the catalog's mean as the prior). */
  bayesian: z.number().min(0).max(5),
  /** Approved reviews with 1★…5★. */
  histogram: z.tuple([count, count, count, count, count]),
  /** The most helpful approved reviews, best first. */
  top: z.array(reviewStoreItemSchema).max(REVIEWS_FEED_TOP),
  updatedAt: epochMs,
});
export type ReviewStoreProduct = z.infer<typeof reviewStoreProductSchema>;

/** `reviews.changed` (to every store): the stores' copy at the hub is at `revision`; a store behind it pulls. */
export const reviewsChangedSchema = z.strictObject({ revision });
export type ReviewsChanged = z.infer<typeof reviewsChangedSchema>;

/**
 * A page of `GET /api/reviews/store-products?after=&limit=`: the products whose row changed after `after`, in revision
 * order (tombstones, `count: 0`, included). `revision`: what the page brings the store to (the last product's, or the
 * hub's newest when the page ends the pull); `more`: ask again after `revision`.
 */
export const reviewStoreProductsPageSchema = z.strictObject({
  products: z.array(reviewStoreProductSchema).max(REVIEWS_FEED_PRODUCTS),
  revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  more: z.boolean(),
});
export type ReviewStoreProductsPage = z.infer<typeof reviewStoreProductsPageSchema>;

export const reviewsEventSchemas = {} as const;
export const reviewsFeedSchemas = { 'reviews.changed': reviewsChangedSchema } as const;
