import { Router } from 'express';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { PRODUCT_TAGS } from '../../kernel/ports/tags.js';
import { TagAnalytics } from './analytics.js';
import { analyticsRoutes } from './analytics-routes.js';
import { TagBulkJobs } from './bulk.js';
import { bulkRoutes } from './bulk-routes.js';
import { startCatalogNumbering } from './catalog-numbering.js';
import { TagIndex } from './index/tag-index.js';
import { tagsRoutes } from './routes.js';
import { TagsRepository } from './repository.js';
import { TagsService } from './service.js';
import { TagsStoreFeed } from './store-feed.js';
import { TagWriter } from './writer.js';

export type { Tag, TagIndexStatus, TagSearchPage } from './types.js';

/** The module's parts for one hub (several hubs may share this module object in a test process). */
export interface TagsParts {
  readonly index: TagIndex;
  readonly writer: TagWriter;
  readonly service: TagsService;
  readonly bulk: TagBulkJobs;
  readonly analytics: TagAnalytics;
  readonly storeFeed: TagsStoreFeed;
}
const partsByHub = new WeakMap<HubContext, TagsParts>();
export function tagsParts(ctx: HubContext): TagsParts {
  let p = partsByHub.get(ctx);
  if (!p) {
    const index = new TagIndex(ctx);
    const writer = new TagWriter(ctx);
    const service = new TagsService(ctx, index, writer);
    const bulk = new TagBulkJobs(ctx, index, writer);
    const analytics = new TagAnalytics(ctx, index);
    service.onSearched = (tagIds, caller) => analytics.searched(tagIds, caller);
    const storeFeed = new TagsStoreFeed(ctx);
    p = { index, writer, service, bulk, analytics, storeFeed };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * Tags (issue #20): a hierarchy of product tags (categories, attributes, promotions, seasons) with boolean search over
 * millions of products answered by an in-memory index of roaring bitmaps (Postgres is the truth), bulk jobs, analytics,
 * and the stores' copy for offline filtering at the kiosk and handheld.
 */
export const hubModule: HubModule = {
  name: 'tags',
  migrations: new URL('./schema/', import.meta.url),
  needs: [CATALOG_PRODUCTS],
  provides: (ctx) => [provide(PRODUCT_TAGS, { namesOf: (skus) => new TagsRepository(ctx.db).tagNamesOf(skus) })],
  // The taxonomy is head office's: the console page is ADMIN only.
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [{ path: 'tags', title: 'Tags', script: 'tags.js', roles: ['ADMIN'] }],
  },
  routes(ctx) {
    const p = tagsParts(ctx);
    const r = Router();
    // /tags/bulk-jobs… and /tags/analytics… before the tree's /tags/:id
    r.use(bulkRoutes(p.bulk));
    r.use(analyticsRoutes(p.analytics));
    r.use(tagsRoutes(p.service));
    return r;
  },
  bootstrap: (ctx) => ({ tags: tagsParts(ctx).storeFeed.bootstrap() }),
  async start(ctx) {
    const p = tagsParts(ctx);
    await p.bulk.start();
    p.analytics.start();
    await p.storeFeed.start();
    // every catalog product a number, so NOT x answers over the whole catalog (catalog-numbering.ts)
    await startCatalogNumbering(ctx);
    // The rebuild runs in the background: the hub serves everything else meanwhile; a search answers 503 until READY.
    p.index.start().catch((err: unknown) => ctx.log.error({ err }, 'tags index rebuild failed'));
  },
  async stop(ctx) {
    const p = partsByHub.get(ctx);
    if (!p) return;
    await p.analytics.stop();
    await p.index.stop();
  },
};
