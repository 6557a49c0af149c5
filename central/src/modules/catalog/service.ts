import { ConflictError, feedEntry, NotFoundError, type FeedType } from '@storefleet/shared';
import type { Db } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import { CatalogRepository } from './repository.js';
import type { Product, ProductInput, ProductQuery } from './types.js';

export const CATALOG_CHANGED = 'catalog.changed' satisfies FeedType;

export class CatalogService {
  readonly repo: CatalogRepository;

  constructor(
    readonly db: Db,
    readonly feed: FeedWriter,
    readonly now: () => number,
  ) {
    this.repo = new CatalogRepository(db);
  }

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
    return this.db.transaction(async (tx) => {
      const repo = new CatalogRepository(tx);
      await repo.lockForWrite();
      const existing = await repo.skusWithGtins([...byGtin.keys()]);
      for (const [gtin, sku] of existing) {
        if (byGtin.get(gtin) !== sku) throw new ConflictError(`GTIN ${gtin} already belongs to ${sku}`, { gtin, sku });
      }
      const upserted = await repo.upsert(items, this.now());
      // Every store hears of it through its feed, and pulls the changed products (online now, or when it reconnects).
      await this.feed.broadcast(tx, feedEntry(CATALOG_CHANGED, { version: await repo.version() }));
      return { upserted };
    });
  }
}
