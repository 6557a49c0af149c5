import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import { FsBlobStore } from '../../kernel/fs-blob-store.js';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { REVIEW_PURCHASES } from '../../kernel/ports/reviews.js';
import { ReviewEngagement } from './engagement.js';
import { EngagementRepository } from './engagement-repository.js';
import { FraudScorer } from './fraud/scorer.js';
import { ReviewModels } from './models.js';
import { ReviewModeration } from './moderation.js';
import { PhotoStore } from './photos.js';
import { reviewPurchaseSink } from './purchases.js';
import { ReviewsService } from './reviews.js';
import { reviewsRoutes } from './routes.js';
import { ReviewsStoreFeed } from './store-feed.js';
import { reviewsGraphql } from './graphql.js';

export type * from './types.js';

/** The module's parts for one hub (several hubs may share this module object in a test process). */
export interface ReviewsParts {
  /** The photos' folder (the blob folder's `reviews/`), and whether this hub made it for itself (removed at stop). */
  readonly dir: { readonly path: string; readonly temporary: boolean };
  readonly photos: PhotoStore;
  readonly models: ReviewModels;
  readonly scorer: FraudScorer;
  readonly reviews: ReviewsService;
  readonly engagement: ReviewEngagement;
  readonly moderation: ReviewModeration;
  readonly storeFeed: ReviewsStoreFeed;
}
const partsByHub = new WeakMap<HubContext, ReviewsParts>();
export function reviewsParts(ctx: HubContext): ReviewsParts {
  let p = partsByHub.get(ctx);
  if (!p) {
    const configured = ctx.settings.blobs.dir;
    const dir = configured
      ? { path: join(configured, 'reviews'), temporary: false }
      : { path: mkdtempSync(join(tmpdir(), 'storefleet-hub-reviews-')), temporary: true };
    mkdirSync(dir.path, { recursive: true });
    const photos = new PhotoStore(new FsBlobStore(dir.path));
    const models = new ReviewModels(ctx);
    const scorer = new FraudScorer(models);
    const reviews = new ReviewsService(ctx, scorer, photos, () => new EngagementRepository(ctx.db));
    p = {
      dir,
      photos,
      models,
      scorer,
      reviews,
      engagement: new ReviewEngagement(ctx),
      moderation: new ReviewModeration(ctx, photos),
      storeFeed: new ReviewsStoreFeed(ctx),
    };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * Ratings and reviews with fraud detection (issue #24): one standing review per customer and product with its edits
 * kept, photos, the verified-purchase badge from orders and carded sales, helpfulness votes, the brand's responses,
 * reports; each write scored by rules and an in-process text model and routed APPROVED / MANUAL_REVIEW / REJECTED with
 * its reasons; a moderation queue; per-product summaries kept current; stores and kiosks get summaries and top reviews
 * through their feeds.
 */
export const hubModule: HubModule = {
  name: 'reviews',
  migrations: new URL('./schema/', import.meta.url),
  // optional: without the catalog any sku may be reviewed; without customers no author name and no account age
  uses: [CATALOG_PRODUCTS, CUSTOMER_DIRECTORY],
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [{ path: 'reviews', title: 'Reviews', script: 'reviews.js', roles: ['ADMIN'] }],
  },
  provides: () => [provide(REVIEW_PURCHASES, reviewPurchaseSink)],
  streamedBodies: [{ method: 'POST', path: /^\/reviews\/photos$/ }],
  graphql: (ctx) => reviewsGraphql(ctx),
  routes(ctx) {
    const r = Router();
    r.use(reviewsRoutes(reviewsParts(ctx), ctx));
    return r;
  },
  bootstrap: (ctx) => ({ reviews: reviewsParts(ctx).storeFeed.bootstrap() }),
  async start(ctx) {
    const p = reviewsParts(ctx);
    await p.models.start();
    await p.storeFeed.start();
    await (await import('./photo-sweep.js')).startPhotoSweep(ctx, p.photos);
  },
  async stop(ctx) {
    const p = partsByHub.get(ctx);
    if (!p) return;
    await p.models.stop();
    if (p.dir.temporary) rmSync(p.dir.path, { recursive: true, force: true });
  },
};
