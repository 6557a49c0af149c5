import { ConflictError, NotFoundError } from '@storefleet/shared';
import type { CatalogRepository } from './repository.js';
import type { Product, ProductInput, ProductQuery } from './types.js';

export class CatalogService {
  constructor(
    readonly repo: CatalogRepository,
    readonly now: () => number,
  ) {}

  async get(sku: string): Promise<Product> {
    const p = await this.repo.get(sku);
    if (!p) throw new NotFoundError('product', sku);
    return p;
  }

  list(q: ProductQuery): Promise<Product[]> {
    return this.repo.list(q);
  }

  categories() {
    return this.repo.categories();
  }

  /** Upserts a batch; a GTIN may belong to one sku only, inside the batch and against the catalog. */
  async upsert(items: readonly ProductInput[]): Promise<{ upserted: number }> {
    const byGtin = new Map<string, string>();
    for (const p of items) {
      if (!p.gtin) continue;
      const other = byGtin.get(p.gtin);
      if (other && other !== p.sku) throw new ConflictError(`GTIN ${p.gtin} is given to both ${other} and ${p.sku}`);
      byGtin.set(p.gtin, p.sku);
    }
    const existing = await this.repo.skusWithGtins([...byGtin.keys()]);
    for (const [gtin, sku] of existing) {
      if (byGtin.get(gtin) !== sku) throw new ConflictError(`GTIN ${gtin} already belongs to ${sku}`, { gtin, sku });
    }
    return { upserted: await this.repo.upsert(items, this.now()) };
  }
}
