import { definePort } from '../ports.js';

/** What other modules read of product tags (recommendations' content similarity). */
export interface ProductTags {
  /**
   * The names of the tags on each of `skus` (the tags given, not their ancestors), for skus that have any; at most
   * 1,000 skus a call.
   */
  namesOf(skus: readonly string[]): Promise<Map<string, string[]>>;
}

export const PRODUCT_TAGS = definePort<ProductTags>('tags.products', 'the tags on each product, by name');
