/**
 * Pricing (issue #25): one pure, deterministic function — `price(basket, rules, context)` in `./engine.ts` — prices a
 * basket the same way at a store's lane and kiosk (offline, from the store's copy of the rules) and at the hub (carts,
 * orders, Scan & Go, the console's dry run). Money is integer minor units; rates and percentages are integer basis
 * points or ppm; nothing reads a clock or a random source (the context says when).
 */

/** Where a price book applies, most specific first: a store's own book beats its region's, which beats the chain's. */
export const PRICE_BOOK_SCOPES = ['STORE', 'REGION', 'CHAIN'] as const;
export type PriceBookScope = (typeof PRICE_BOOK_SCOPES)[number];

/**
 * One price of one sku in one book, effective from `from` (inclusive) to `to` (exclusive; null = until replaced).
 * A store's copy holds the entries of every book that applies to it, future ones too, so a change scheduled while it
 * is offline takes effect at its time: the engine picks, for a sku at the context's time, the entry of the most
 * specific scope whose window holds it, then the latest `from`, then the highest `revision`.
 */
export interface PriceEntry {
  readonly bookId: string;
  readonly scope: PriceBookScope;
  readonly sku: string;
  /** The shelf price, minor units. */
  readonly priceMinor: number;
  /** The members' price (a loyalty card shown, a signed-in member), when lower than the shelf's; null = none. */
  readonly memberPriceMinor: number | null;
  readonly from: number;
  readonly to: number | null;
  /** Grows with every change at the hub (ties between equal windows go to the newest). */
  readonly revision: number;
}

/** Which products a promotion looks at: any of the skus, or any product of the categories (both may be given). */
export interface PromotionTarget {
  readonly skus?: readonly string[];
  readonly categories?: readonly string[];
}

/**
 * What a promotion does. `bp`: basis points (1 bp = 0.01 %; 10,000 = 100 %).
 * - PERCENT_OFF: `bp` off each targeted unit.
 * - AMOUNT_OFF: `amountMinor` off each targeted unit (never below 0).
 * - MULTI_BUY: every `buy` targeted units cost `payFor` units' prices (3 for 2) — or, with `priceMinor`, cost that
 *   amount together (3 for $10); the cheapest units are the free ones.
 * - BOGO: for every `buy` units bought, `get` more come `bp` off (10,000 = free); the cheaper units get the discount.
 * - MIX_MATCH: any `qty` units of the group (mixed skus) cost `priceMinor` together.
 * - THRESHOLD: a basket whose targeted (else whole) net spend reaches `spendMinor` gets `offMinor` off, or `bp` off
 *   that spend; spread over the lines it counted, in proportion (largest remainder, ties by sku).
 * - MEMBER_PRICE: members pay `priceMinor` a unit, or `bp` off, for targeted units.
 */
export type PromotionRule =
  | { readonly kind: 'PERCENT_OFF'; readonly target: PromotionTarget; readonly bp: number }
  | { readonly kind: 'AMOUNT_OFF'; readonly target: PromotionTarget; readonly amountMinor: number }
  | {
      readonly kind: 'MULTI_BUY';
      readonly target: PromotionTarget;
      readonly buy: number;
      readonly payFor?: number;
      readonly priceMinor?: number;
    }
  | {
      readonly kind: 'BOGO';
      readonly target: PromotionTarget;
      readonly buy: number;
      readonly get: number;
      readonly bp: number;
    }
  | { readonly kind: 'MIX_MATCH'; readonly target: PromotionTarget; readonly qty: number; readonly priceMinor: number }
  | {
      readonly kind: 'THRESHOLD';
      readonly target?: PromotionTarget;
      readonly spendMinor: number;
      readonly offMinor?: number;
      readonly bp?: number;
    }
  | {
      readonly kind: 'MEMBER_PRICE';
      readonly target: PromotionTarget;
      readonly priceMinor?: number;
      readonly bp?: number;
    };
export type PromotionKind = PromotionRule['kind'];
export const PROMOTION_KINDS = [
  'PERCENT_OFF',
  'AMOUNT_OFF',
  'MULTI_BUY',
  'BOGO',
  'MIX_MATCH',
  'THRESHOLD',
  'MEMBER_PRICE',
] as const satisfies readonly PromotionKind[];

/**
 * How a promotion combines with others on the same units. Promotions apply in `priority` order (lower first, then id):
 * - EXCLUSIVE: the units it discounts take no other promotion, and it skips units another promotion already took.
 * - STACKABLE: applies on top of STACKABLE ones before it (on the price left), never on units an EXCLUSIVE one took.
 * - BEST_OF: of the BEST_OF promotions that could take the same unit, only the one saving the customer most applies.
 * Basket-level promotions (THRESHOLD) apply after every unit-level one, on what is left.
 */
export const PROMOTION_STACKING = ['EXCLUSIVE', 'STACKABLE', 'BEST_OF'] as const;
export type PromotionStacking = (typeof PROMOTION_STACKING)[number];

export interface Promotion {
  readonly id: string;
  /** What the customer reads on the receipt and the screen ("3 for 2 on yoghurts"). */
  readonly name: string;
  readonly rule: PromotionRule;
  readonly priority: number;
  readonly stacking: PromotionStacking;
  readonly from: number;
  readonly to: number | null;
  /** Where it runs: every store (and online) when both are absent/empty; else these stores and regions only. */
  readonly storeIds?: readonly string[];
  readonly regionIds?: readonly string[];
  /** Only with a valid coupon of this promotion in the context. */
  readonly couponRequired?: boolean;
  /** Only for members (a loyalty card shown, a signed-in member). */
  readonly membersOnly?: boolean;
  /** Grows with every change at the hub. */
  readonly revision: number;
}

/** A coupon-signing public key (Ed25519, raw 32 bytes as base64url) and when it may be used. */
export interface SigningKey {
  readonly keyId: string;
  readonly publicKey: string;
  readonly createdAt: number;
  /** Codes signed with a retired key are refused from this time on; null = in use. */
  readonly retiredAt: number | null;
}

/** Everything a pricer knows: the store's (or the hub's) copy of the rules. The engine never mutates it. */
export interface PricingRules {
  readonly currency: string;
  /** Tax per class in ppm (`DEFAULT_TAX_RATES_PPM` until per-market tables exist). */
  readonly taxRatesPpm: Readonly<Record<string, number>>;
  readonly prices: readonly PriceEntry[];
  readonly promotions: readonly Promotion[];
  readonly couponKeys: readonly SigningKey[];
  /** The rules' revision (the highest of everything in them): on receipts and in the priced basket. */
  readonly revision: number;
}

/** A line to price: the catalog's own price and class come with it (the fallback when no book has the sku). */
export interface BasketLine {
  readonly sku: string;
  readonly qty: number;
  /** The catalog's price: used when no price book entry is effective for the sku. */
  readonly catalogPriceMinor: number;
  readonly taxClass: string;
  readonly category?: string;
  readonly name?: string;
}

export interface PricingContext {
  /** When (epoch ms): which prices and promotions are effective. */
  readonly at: number;
  /** The store pricing it (lane, kiosk, Scan & Go, a pickup order's store); null online (SHIP). */
  readonly storeId: string | null;
  /** The store's region, when it has one. */
  readonly regionId: string | null;
  readonly member: boolean;
  /** Coupon codes presented; each is verified here (signature, key, expiry, scope) and reported per code. */
  readonly coupons?: readonly string[];
  /** Coupon ids known to be used already (the store's copy of the hub's list, the hub's table): refused. */
  readonly isCouponUsed?: (couponId: string) => boolean;
}

/** One promotion's part in one line. */
export interface LinePromotion {
  readonly promotionId: string;
  readonly name: string;
  readonly discountMinor: number;
  /** For the receipt, in words: "3 for 2: 1 free", "10 % off", "$5 off a $50 spend (your share $1.20)". */
  readonly explanation: string;
}

export interface PricedLine {
  readonly sku: string;
  readonly name?: string;
  readonly qty: number;
  /** The effective unit price (book or catalog; the member price for a member), minor units. */
  readonly unitPriceMinor: number;
  /** Where the unit price came from: the book entry's id, or null for the catalog's price. */
  readonly priceBookId: string | null;
  readonly member: boolean;
  readonly taxClass: string;
  /** unit × qty */
  readonly grossMinor: number;
  readonly discountMinor: number;
  /** gross − discount, never below 0 */
  readonly netMinor: number;
  /** Tax on net, per line (rounded half away from zero). */
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly promotions: readonly LinePromotion[];
}

export interface AppliedPromotion {
  readonly promotionId: string;
  readonly name: string;
  readonly kind: PromotionKind;
  readonly discountMinor: number;
  readonly skus: readonly string[];
  readonly explanation: string;
  /**
   * Set for a promotion that can make the total lower when an item is added: a kind that groups units or counts
   * spend, or one of two or more competing BEST_OF offers (see engine.ts); its explanation says why in words.
   */
  readonly lowersTotal?: boolean;
}

export const COUPON_REFUSALS = [
  'FORGED',
  'MALFORMED',
  'EXPIRED',
  'NOT_YET',
  'USED',
  'UNKNOWN_KEY',
  'RETIRED_KEY',
  'NO_PROMOTION',
  'NOT_HERE',
  'DUPLICATE',
  'NOT_APPLICABLE',
] as const;
export type CouponRefusal = (typeof COUPON_REFUSALS)[number];

export interface CouponOutcome {
  /** The code as presented (trimmed). */
  readonly code: string;
  /** `<promotionId>:<serial>`, when the code parsed; what a used code is reported and refused by. */
  readonly couponId: string | null;
  readonly status: 'APPLIED' | 'REFUSED';
  readonly refusal?: CouponRefusal;
  /** In words for the cashier or the customer. */
  readonly message: string;
}

/** A priced basket: lines sorted by sku (duplicates merged), every discount explained per line. */
export interface PricedBasket {
  readonly currency: string;
  readonly at: number;
  readonly rulesRevision: number;
  readonly lines: readonly PricedLine[];
  readonly grossMinor: number;
  readonly discountMinor: number;
  /** Σ net (what tax is charged on) */
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly itemCount: number;
  readonly promotions: readonly AppliedPromotion[];
  readonly coupons: readonly CouponOutcome[];
}
