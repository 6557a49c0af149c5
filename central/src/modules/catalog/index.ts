import type { HubModule } from '../hub-module.js';
import { CatalogRepository } from './repository.js';
import { catalogRoutes } from './routes.js';
import { CatalogService } from './service.js';

export type { Product, ProductInput, TaxClass } from './types.js';
export { CatalogService } from './service.js';

export const hubModule: HubModule = {
  name: 'catalog',
  migrations: new URL('./schema/', import.meta.url),
  routes: (ctx) => catalogRoutes(new CatalogService(new CatalogRepository(ctx.db), ctx.now)),
  bootstrap: () => ({
    catalog: {
      count: (q) => new CatalogRepository(q).count(),
      async page(q, _storeId, after, limit) {
        const rows = await new CatalogRepository(q).pageAfter(after, limit);
        return { rows, next: rows.length === limit ? rows.at(-1)!.sku : null };
      },
    },
  }),
};
