import type { PricedBasket } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

/**
 * The hub's pricer (issue #25, modules/pricing): prices lines with the catalog's products, the price books and the
 * promotions effective for the store (null online) at `at` (the hub's clock when left out), through the same
 * `price()` the stores run (shared/src/pricing). Carts show it, orders charge it, Scan & Go charges it.
 */
export interface HubPricer {
  /**
   * Throws NotFoundError naming the first sku the catalog does not hold. `q`: the caller's transaction, else the
   * hub's database. Coupons are verified (and checked against the used list) but not taken: `redeem` takes them.
   */
  priceLines(
    input: {
      readonly lines: readonly { readonly sku: string; readonly qty: number }[];
      readonly storeId: string | null;
      readonly member: boolean;
      readonly coupons?: readonly string[];
      readonly at?: number;
    },
    q?: Queryable,
  ): Promise<PricedBasket>;
  /**
   * Records the coupons a priced basket applied as used, in the caller's transaction (the order's or the Scan & Go
   * payment's): `first` false for a coupon someone used before (the caller refuses the sale, or lets it through and
   * head office sees the double). The used list reaches stores with the next `pricing.changed`.
   */
  redeem(
    q: Queryable,
    redemptions: readonly {
      readonly couponId: string;
      readonly promotionId: string;
      readonly saleId: string;
      readonly storeId: string | null;
      readonly discountMinor: number;
      readonly at: number;
    }[],
  ): Promise<{ couponId: string; first: boolean }[]>;
  /**
   * Gives back the coupons `saleId` redeemed (its order failed or was cancelled), in the caller's transaction: they
   * price again at the hub, and stores drop them from their used list at their next pull. Coupons the sale does not
   * hold are left alone (a repeat changes nothing). Returns the coupon ids released.
   */
  release(q: Queryable, couponIds: readonly string[], saleId: string): Promise<string[]>;
}

export const PRICING = definePort<HubPricer>(
  'pricing.pricer',
  'prices baskets with the price books and promotions the stores use (carts, orders, Scan & Go)',
);

/** A completed sale as a basket, for a promotion's dry run (what it would have cost on last week's baskets). */
export interface SaleBasket {
  readonly saleId: string;
  readonly storeId: string;
  readonly closedAt: number;
  /** A loyalty card was shown (the basket would have had member prices). */
  readonly member: boolean;
  readonly lines: readonly {
    readonly sku: string;
    readonly qty: number;
    readonly unitPriceMinor: number;
    readonly discountMinor: number;
  }[];
  readonly totalMinor: number;
}

/** The sales ledger's completed sales as baskets (modules/sales), paged by (closedAt, saleId). */
export interface SalesBaskets {
  page(
    q: Queryable,
    range: {
      readonly from: number;
      readonly to: number;
      readonly storeId?: string;
      readonly after?: { readonly closedAt: number; readonly saleId: string };
      readonly limit: number;
    },
  ): Promise<SaleBasket[]>;
}

export const SALES_BASKETS = definePort<SalesBaskets>(
  'sales.baskets',
  "the completed sales as baskets, for a promotion's dry run",
);
