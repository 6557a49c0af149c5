import type { Queryable } from '../../db/db.js';
import type { HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CatalogRepository } from './repository.js';
import { catalogRoutes } from './routes.js';
import { CatalogService } from './service.js';
import { catalogGraphql } from './graphql.js';

export type { Product, ProductInput, TaxClass } from './types.js';
export { CATALOG_CHANGED, CatalogService } from './service.js';

export const hubModule: HubModule = {
  name: 'catalog',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    // `#/product` searches; `#/product?sku=` is a product's page (name, barcode, price, stock across stores, movements)
    pages: [{ path: 'product', title: 'Products', script: 'product.js', roles: ['ADMIN', 'STORE_MANAGER'] }],
  },
  graphql: (ctx) => catalogGraphql(ctx),
  routes: (ctx) => catalogRoutes(new CatalogService(ctx.db, ctx.feed, ctx.now)),
  provides: (ctx) => [
    provide(CATALOG_PRODUCTS, {
      get: (sku) => new CatalogRepository(ctx.db).get(sku),
      /** `q`: the caller's transaction (a sync event handler's), else the hub's database. */
      many: (skus, q: Queryable = ctx.db) => new CatalogRepository(q).many(skus),
      changedSkus: async (after, limit) =>
        (await new CatalogRepository(ctx.db).changedAfter(after, limit)).map((p) => ({
          sku: p.sku,
          version: p.version,
        })),
      byGtin: (gtin14, q: Queryable = ctx.db) => new CatalogRepository(q).byGtin(gtin14),
      inCategories: (categories, page, q: Queryable = ctx.db) =>
        new CatalogRepository(q).inCategories(categories, page),
      currency: async (q: Queryable = ctx.db) => (await new CatalogRepository(q).currency()) ?? 'USD',
    }),
  ],
  // The store's cold start and its later pulls are one query: products changed after the version it holds.
  bootstrap: () => ({
    catalog: {
      count: (q) => new CatalogRepository(q).count(),
      async page(q, _storeId, after, limit) {
        const rows = await new CatalogRepository(q).changedAfter(Number(after ?? 0), limit);
        return { rows, next: rows.length === limit ? String(rows.at(-1)!.version) : null };
      },
    },
  }),
};
