import { definePort } from '../ports.js';

/** What a guest's cart merge did: how many of the guest's lines reached the account's cart. */
export interface CartMergeResult {
  readonly linesMoved: number;
}

/**
 * Folds a guest's cart into the account's they signed in to (issue #26), kept by the carts module. The accounts
 * module calls it at sign-in; it never names the carts' documents itself.
 */
export interface CartMerge {
  /**
   * Moves every line of `cart:<fromCustomerId>` into `cart:<intoCustomerId>` and empties the first. A sku both carts
   * hold keeps the larger quantity (the same wish made twice, on two devices, is one wish, not two). The account's
   * fulfilment choice stays; it takes the guest's only when the account's is still the default.
   */
  merge(fromCustomerId: string, intoCustomerId: string): Promise<CartMergeResult>;
}

export const CART_MERGE = definePort<CartMerge>(
  'carts.merge',
  'folding a guest’s cart into the account’s cart at sign-in (web and app)',
);
