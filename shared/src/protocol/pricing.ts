import { z } from 'zod';
import { PRICE_BOOK_SCOPES, PROMOTION_STACKING } from '../pricing/types.js';
import { skuSchema } from '../validation.js';

/**
 * Pricing, promotions, coupons and Scan & Go (issue #25) on the wire.
 *
 * Hub → store:
 * - `pricing.changed {revision}`: one small notice broadcast to every store when price books, promotions, signing keys
 *   or the used-coupon list changed (one feed row per store per change, whatever its size). The store then pulls
 *   `GET /api/pricing/store-rules?after=<revision it holds>&limit=` (pages in revision order,
 *   `pricingStorePageSchema`) until caught up — on the notice, at start, and with backoff when the hub was
 *   unreachable. The page holds only what applies to the calling store (its own and its region's books, the chain's,
 *   promotions that run there). A row replaces what the store held under its id; `deleted: true` removes it. The cold
 *   start's `pricing` section is the same rows from revision 0.
 * - `scango.paid`: a Scan & Go basket paid in the app at this store: the store records it as a sale (stock moves, the
 *   sales ledger hears `sale.completed` with an APP tender) — once, however often the entry comes.
 *
 * Store → hub:
 * - `coupon.redeemed`: a coupon taken at a lane or kiosk (offline too), emitted in the sale's transaction. The hub
 *   records the first redemption of each coupon id; a second one (another store before it heard) is recorded as a
 *   double redemption for head office, and the coupon joins the used list every store refuses.
 * - `scango.exited`: the door checked a Scan & Go exit token (passed, audited, or refused), for head office's figures.
 */
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const revision = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const minor = z.number().int().min(0).max(1_000_000_000_00);
const id = z.string().min(1).max(64);
const uuid = z.string().uuid();
const name = z.string().min(1).max(120);
const bp = z.number().int().min(1).max(10_000);
const count = z.number().int().min(1).max(1_000);

/** At most this many skus and categories a promotion names (a bigger range is a category). */
export const PROMOTION_TARGET_MAX = 1_000;
export const promotionTargetSchema = z
  .strictObject({
    skus: z.array(skuSchema).max(PROMOTION_TARGET_MAX).optional(),
    categories: z.array(z.string().min(1).max(120)).max(100).optional(),
  })
  .refine((t) => (t.skus?.length ?? 0) + (t.categories?.length ?? 0) > 0, 'name at least one sku or category');

export const promotionRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('PERCENT_OFF'), target: promotionTargetSchema, bp }),
  z.strictObject({ kind: z.literal('AMOUNT_OFF'), target: promotionTargetSchema, amountMinor: minor.min(1) }),
  z
    .strictObject({
      kind: z.literal('MULTI_BUY'),
      target: promotionTargetSchema,
      buy: count.min(2),
      payFor: count.optional(),
      priceMinor: minor.optional(),
    })
    .refine((r) => (r.payFor === undefined) !== (r.priceMinor === undefined), 'give payFor or priceMinor, not both')
    .refine((r) => r.payFor === undefined || r.payFor < r.buy, 'payFor must be fewer than buy'),
  z.strictObject({ kind: z.literal('BOGO'), target: promotionTargetSchema, buy: count, get: count, bp }),
  z.strictObject({ kind: z.literal('MIX_MATCH'), target: promotionTargetSchema, qty: count.min(2), priceMinor: minor }),
  z
    .strictObject({
      kind: z.literal('THRESHOLD'),
      target: promotionTargetSchema.optional(),
      spendMinor: minor.min(1),
      offMinor: minor.min(1).optional(),
      bp: bp.optional(),
    })
    .refine((r) => (r.offMinor === undefined) !== (r.bp === undefined), 'give offMinor or bp, not both')
    .refine((r) => r.offMinor === undefined || r.offMinor <= r.spendMinor, 'offMinor may not exceed spendMinor'),
  z
    .strictObject({
      kind: z.literal('MEMBER_PRICE'),
      target: promotionTargetSchema,
      priceMinor: minor.optional(),
      bp: bp.optional(),
    })
    .refine((r) => (r.priceMinor === undefined) !== (r.bp === undefined), 'give priceMinor or bp, not both'),
]);

/** A promotion as stores hold it (`Promotion` in shared/src/pricing/types.ts), or its tombstone. */
export const promotionRowSchema = z.strictObject({
  id: uuid,
  name,
  rule: promotionRuleSchema,
  priority: z.number().int().min(0).max(1_000_000),
  stacking: z.enum(PROMOTION_STACKING),
  from: epochMs,
  to: epochMs.nullable(),
  storeIds: z.array(uuid).max(5_000).optional(),
  regionIds: z.array(id).max(500).optional(),
  couponRequired: z.boolean().optional(),
  membersOnly: z.boolean().optional(),
  revision,
  deleted: z.boolean().optional(),
});
export type PromotionRow = z.infer<typeof promotionRowSchema>;

/** One price book entry as stores hold it (`PriceEntry` + its id), or its tombstone. */
export const priceEntryRowSchema = z
  .strictObject({
    id: uuid,
    bookId: uuid,
    scope: z.enum(PRICE_BOOK_SCOPES),
    sku: skuSchema,
    priceMinor: minor,
    memberPriceMinor: minor.nullable(),
    from: epochMs,
    to: epochMs.nullable(),
    revision,
    deleted: z.boolean().optional(),
  })
  .refine((e) => e.to === null || e.to > e.from, { path: ['to'], message: 'to must be after from' });
export type PriceEntryRow = z.infer<typeof priceEntryRowSchema>;

/** A coupon/exit-token signing public key (Ed25519 raw, base64url). */
export const signingKeyRowSchema = z.strictObject({
  keyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a raw Ed25519 public key, base64url'),
  createdAt: epochMs,
  retiredAt: epochMs.nullable(),
  revision,
});
export type SigningKeyRow = z.infer<typeof signingKeyRowSchema>;

/**
 * A coupon head office has seen used: stores refuse it from when they hear. `released: true`: given back (the order
 * that used it failed or was cancelled): a store drops its copy of the hub's row and the coupon prices again.
 */
export const usedCouponRowSchema = z.strictObject({
  couponId: z.string().min(3).max(80),
  revision,
  released: z.literal(true).optional(),
});

/** Rows one page of the store pull carries at most, over all kinds. */
export const PRICING_STORE_PAGE_MAX = 2_000;
export const pricingStorePageSchema = z.strictObject({
  /** The store's region at the hub (null: none), for regional promotions. */
  regionId: id.nullable(),
  /** The chain's currency (the engine's). */
  currency: z.string().regex(/^[A-Z]{3}$/),
  prices: z.array(priceEntryRowSchema).max(PRICING_STORE_PAGE_MAX),
  promotions: z.array(promotionRowSchema).max(PRICING_STORE_PAGE_MAX),
  keys: z.array(signingKeyRowSchema).max(100),
  usedCoupons: z.array(usedCouponRowSchema).max(PRICING_STORE_PAGE_MAX),
  /**
   * This store's door keys (shared/src/pricing/signing.ts `exitDoorKey`): one per signing key the answering hub signs
   * exit tokens with, so the door reads the audit decision sealed in them. Sent to this store only, on every page; a
   * store keeps every one it was sent (by key id). Absent from hubs before it.
   */
  doorKeys: z
    .array(
      z.strictObject({
        keyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
        key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
      }),
    )
    .max(100)
    .optional(),
  /** The highest revision this page carries (the store holds up to here once it applied the page). */
  revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Pass as `after` for the next page; null when caught up. */
  next: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
});
export type PricingStorePage = z.infer<typeof pricingStorePageSchema>;

/** One line of a paid Scan & Go basket, as the store records it (net of discounts, tax per line). */
export const scanGoLineSchema = z.strictObject({
  sku: skuSchema,
  name: z.string().min(1).max(300),
  qty: z.number().int().min(1).max(10_000),
  unitPriceMinor: minor,
  taxClass: z.string().min(1).max(32),
  discountMinor: minor,
  subtotalMinor: minor,
  taxMinor: minor,
});

export const pricingFeedSchemas = {
  'pricing.changed': z.strictObject({ revision }),
  'scango.paid': z.strictObject({
    sessionId: uuid,
    /** The sale's id at the store (a UUID the hub chose, so a repeated entry records one sale). */
    saleId: uuid,
    storeId: uuid,
    currency: z.string().regex(/^[A-Z]{3}$/),
    paidAt: epochMs,
    lines: z.array(scanGoLineSchema).min(1).max(100),
    subtotalMinor: minor,
    taxMinor: minor,
    totalMinor: minor,
    /** The payment provider's reference (what a refund names). */
    paymentRef: z.string().min(1).max(128),
    /** The customer's loyalty card when they are a member with one, so the sale counts as theirs. */
    customerCard: z
      .string()
      .regex(/^29\d{14}$/)
      .optional(),
    promotions: z
      .array(z.strictObject({ promotionId: uuid, name, discountMinor: minor }))
      .max(100)
      .optional(),
  }),
} as const;

export const pricingEventSchemas = {
  'coupon.redeemed': z.strictObject({
    couponId: z.string().min(3).max(80),
    promotionId: uuid,
    /** The sale (or Scan & Go session) it was taken on, and its number when it has one. */
    saleId: id,
    saleNumber: z.string().min(1).max(64).optional(),
    discountMinor: minor,
    at: epochMs,
  }),
  'scango.exited': z.strictObject({
    sessionId: uuid,
    at: epochMs,
    outcome: z.enum(['PASSED', 'AUDITED', 'REFUSED']),
    /** For REFUSED: why (the verifier's refusal). */
    refusal: z.string().min(1).max(40).optional(),
    /** For AUDITED: what the associate found (items counted in the bag, whether they matched). */
    counted: z.number().int().min(0).max(10_000).optional(),
    matched: z.boolean().optional(),
  }),
} as const;
