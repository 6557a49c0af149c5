import type { CatalogProduct } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

/**
 * What other modules read of the catalog (carts price lines, orders name and price them, inventory checks skus, pricing
 * resolves barcodes and previews what a promotion targets). Nobody else reads `catalog_products` itself.
 */
export interface CatalogProducts {
  get(sku: string): Promise<CatalogProduct | undefined>;
  /** The products the catalog holds among `skus`; `q`: the caller's transaction (a sync event handler's), else the hub's database. */
  many(skus: readonly string[], q?: Queryable): Promise<Map<string, CatalogProduct>>;
  /**
   * The skus of the products changed after catalog version `afterVersion`, oldest change first, at most `limit`
   * (each change takes its own version): a follower pages the whole catalog from 0, then only what changed since.
   */
  changedSkus(afterVersion: number, limit: number): Promise<{ sku: string; version: number }[]>;
  /** The product a barcode names (its GTIN-14, zero-padded), if the catalog holds one; `q` as for `many`. */
  byGtin(gtin14: string, q?: Queryable): Promise<CatalogProduct | undefined>;
  /**
   * The products of these categories (null: the whole catalog) in sku order, after sku `after`, at most `limit`, and
   * how many there are in all (whatever `after`); `q` as for `many`.
   */
  inCategories(
    categories: readonly string[] | null,
    page: { limit: number; after?: string },
    q?: Queryable,
  ): Promise<{ products: CatalogProduct[]; total: number }>;
  /** The catalog's currency (every product carries the same one); USD for an empty catalog. `q` as for `many`. */
  currency(q?: Queryable): Promise<string>;
}

/**
 * What inventory needs of the catalog: which of these skus the catalog holds, read in the caller's transaction. A
 * sync handler asks it before counting a store's movements, so a sku the hub does not know is never created as stock.
 */
export type CatalogSkus = Pick<CatalogProducts, 'many'>;

export const CATALOG_PRODUCTS = definePort<CatalogProducts>(
  'catalog.products',
  'the products carts, orders and stock counts are checked against',
);
