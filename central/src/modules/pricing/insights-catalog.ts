import type { CatalogProduct } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS, type CatalogProducts } from '../../kernel/ports/catalog.js';

/**
 * The catalog as the console's previews and dry runs read it: through the CATALOG_PRODUCTS port (pricing `needs`
 * it), never the catalog's tables. The pricing tables are read in insights-repository.ts.
 */

export interface ProductRef {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly priceMinor: number;
  readonly taxClass: string;
}

const toProduct = (p: CatalogProduct): ProductRef => ({
  sku: p.sku,
  name: p.name,
  category: p.category,
  priceMinor: Number(p.priceMinor),
  taxClass: p.taxClass,
});

export const catalogOf = (ctx: HubContext): CatalogProducts => ctx.services.get(CATALOG_PRODUCTS);

export async function productsBySku(
  catalog: CatalogProducts,
  skus: readonly string[],
  q?: Queryable,
): Promise<Map<string, ProductRef>> {
  if (!skus.length) return new Map();
  const found = await catalog.many(skus, q);
  return new Map([...found].map(([sku, p]) => [sku, toProduct(p)]));
}

/**
 * The catalog's products a target names (its skus the catalog holds, and every product of its categories; null
 * target: the whole catalog), in sku order: the first `limit` and how many in all.
 */
export async function targetedProducts(
  catalog: CatalogProducts,
  target: { skus?: readonly string[]; categories?: readonly string[] } | null,
  limit: number,
  q?: Queryable,
): Promise<{ products: ProductRef[]; total: number }> {
  const categories = target ? (target.categories ?? []) : null;
  const [inCats, bySku] = await Promise.all([
    catalog.inCategories(categories, { limit }, q),
    target?.skus?.length ? catalog.many(target.skus, q) : new Map<string, CatalogProduct>(),
  ]);
  // the named skus outside the categories add to both the list and the count (those inside are counted already)
  const outside = [...bySku.values()].filter((p) => !categories?.includes(p.category));
  const products = [...inCats.products, ...outside]
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .slice(0, Math.max(0, limit));
  return { products: products.map(toProduct), total: inCats.total + outside.length };
}

/** The chain's currency: the catalog's (every product carries it), USD for an empty catalog. */
export function chainCurrency(catalog: CatalogProducts, q?: Queryable): Promise<string> {
  return catalog.currency(q);
}
