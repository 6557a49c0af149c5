import {
  feedEntry,
  REVIEWS_FEED_PRODUCTS,
  REVIEWS_FEED_TOP,
  type ReviewStoreItem,
  type ReviewStoreProduct,
  reviewStoreProductSchema,
  reviewsProductsSchema,
  UnprocessableError,
} from '@storefleet/shared';
import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';
import { ReviewsStoreFeedRepository, type SummaryRow, type TopReviewRow } from './store-feed-repository.js';
import { BAYES_PRIOR_WEIGHT } from './types.js';

export const REVIEWS_FEED_JOB = 'reviews.store-feed';
/** Dirty products one run sends at most (the rest wait for the next run, oldest first). */
export const DIRTY_A_RUN = 2_000;
/** Stores fed per transaction: a short one each, not 5,000 stores' entries in one. */
export const STORES_A_BATCH = 200;
/** One entry's products' JSON at most about this long (characters). */
export const ENTRY_BYTES = 64 * 1024;
/** A store's kiosk card: the text clipped to this many characters. */
export const STORE_BODY_CHARS = 600;

/**
 * The stores' copy (lane F): every `reviewsFeedEveryMs` the products in `review_store_dirty` are built into
 * `reviews.products` entries (summary and top reviews) and appended to every store's feed, a batch of stores per
 * transaction, then cleared; a new store gets every product with approved reviews in its cold start (`bootstrap`).
 *
 * A product's `revision` is the hub's clock when the run took it, and always past the one it was last sent with
 * (`review_store_sent`): it grows with every change a store would show — a summary change, and a vote or a response
 * that only reorders the top reviews — so a store keeps the newest and ignores a late or replayed entry.
 */
export class ReviewsStoreFeed {
  /** Runs one at a time in this process (the job and a direct call): a run's claimed products are its own. */
  #last: Promise<unknown> = Promise.resolve();

  constructor(readonly ctx: HubContext) {}

  async start(): Promise<void> {
    this.ctx.jobs.define({
      name: REVIEWS_FEED_JOB,
      maxAttempts: 3,
      timeoutMs: 30 * 60_000,
      run: async () => {
        const fed = await this.run();
        if (fed.products > 0) this.ctx.log.debug(fed, 'reviews: stores sent the changed products');
      },
    });
    await this.ctx.jobs.schedule(REVIEWS_FEED_JOB, { everyMs: this.ctx.settings.tuning.reviewsFeedEveryMs });
  }

  /** One run now (the job's body; tests call it). Resolves with the products and stores fed. */
  run(): Promise<{ products: number; stores: number }> {
    const next = this.#last.then(
      () => this.#run(),
      () => this.#run(),
    );
    this.#last = next.catch(() => undefined);
    return next;
  }

  async #run(): Promise<{ products: number; stores: number }> {
    const db = this.ctx.db;
    // Taken in one transaction: a change committed after it marks the product dirty again (a fresh row).
    const skus = await db.transaction((tx) => new ReviewsStoreFeedRepository(tx).claim(DIRTY_A_RUN));
    if (skus.length === 0) return { products: 0, stores: 0 };
    const repo = new ReviewsStoreFeedRepository(db);
    const revisions = await repo.nextRevisions(skus, this.ctx.now());
    const built = await this.build(
      repo,
      skus.map((sku) => ({ sku, revision: revisions.get(sku)! })),
    );
    // A product the wire cannot carry (a sku no store could hold) is dropped with a warning, not retried forever.
    const products = built.filter((p) => {
      const ok = reviewStoreProductSchema.safeParse(p).success;
      if (!ok) this.ctx.log.warn({ sku: p.sku.slice(0, 80) }, 'reviews: a product the stores cannot be sent');
      return ok;
    });
    const entries = chunks(products).map((chunk) =>
      feedEntry('reviews.products', reviewsProductsSchema.parse({ products: chunk })),
    );
    let after: string | null = null;
    let stores = 0;
    while (entries.length > 0) {
      const batch = await repo.storesAfter(after, STORES_A_BATCH);
      if (batch.length === 0) break;
      await db.transaction((tx) =>
        this.ctx.feed.appendMany(
          tx,
          batch.flatMap((storeId) => entries.map((e) => ({ storeId, ...e }))),
        ),
      );
      stores += batch.length;
      after = batch.at(-1)!;
    }
    await repo.done(skus);
    return { products: products.length, stores };
  }

  /** Cold start: every product with approved reviews, in sku order, each a `ReviewStoreProduct` at its sent revision. */
  bootstrap(): SnapshotSource {
    return {
      count: (q) => new ReviewsStoreFeedRepository(q).shownCount(),
      page: async (q, _storeId, after, limit) => {
        if (after !== null && (after.length > 200 || after.includes('\u0000')))
          throw new UnprocessableError('after is not a product sku', { field: 'after' });
        const repo = new ReviewsStoreFeedRepository(q);
        const bound = Math.max(1, Math.min(limit, 1_000));
        const page = await repo.shownPage(after, bound);
        const rows = await this.build(repo, page, page);
        return { rows, next: page.length === bound ? page.at(-1)!.sku : null };
      },
    };
  }

  /** Each product's entry at its revision: `count: 0` and no reviews for one with none approved left. */
  async build(
    repo: ReviewsStoreFeedRepository,
    wanted: readonly { sku: string; revision: number }[],
    known?: readonly SummaryRow[],
  ): Promise<ReviewStoreProduct[]> {
    const skus = wanted.map((w) => w.sku);
    const summaries = known ? new Map(known.map((s) => [s.sku, s])) : await repo.summaries(skus);
    const mean = await repo.catalogMean();
    const tops = await repo.top(skus, REVIEWS_FEED_TOP);
    return wanted.map(({ sku, revision }) => {
      const s = summaries.get(sku);
      const histogram = s?.histogram ?? [0, 0, 0, 0, 0];
      const count = histogram.reduce((a, b) => a + b, 0);
      const sum = histogram.reduce((a, n, i) => a + n * (i + 1), 0);
      const top = count > 0 ? (tops.get(sku) ?? []).map(storeItem) : [];
      return {
        sku,
        revision,
        count,
        average: count > 0 ? clamp(round(sum / count)) : 0,
        bayesian: count > 0 ? clamp(round((BAYES_PRIOR_WEIGHT * mean + sum) / (BAYES_PRIOR_WEIGHT + count))) : 0,
        histogram,
        top,
        updatedAt: s?.updatedAt ?? this.ctx.now(),
      };
    });
  }
}

/**
 * Products in entries of at most REVIEWS_FEED_PRODUCTS products and about ENTRY_BYTES of JSON (a product alone may pass
 * it): a store's feed page stays a few MB however long the reviews are.
 */
function chunks(products: readonly ReviewStoreProduct[]): ReviewStoreProduct[][] {
  const out: ReviewStoreProduct[][] = [];
  let chunk: ReviewStoreProduct[] = [];
  let bytes = 0;
  for (const p of products) {
    const size = JSON.stringify(p).length;
    if (chunk.length > 0 && (chunk.length === REVIEWS_FEED_PRODUCTS || bytes + size > ENTRY_BYTES)) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(p);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

function storeItem(r: TopReviewRow): ReviewStoreItem {
  return {
    id: r.id,
    rating: r.rating,
    title: clipWords(r.title, 120),
    body: clipWords(r.body, STORE_BODY_CHARS),
    author: clipWords(r.author, 60),
    verified: r.verified,
    helpful: Math.max(0, r.helpful),
    createdAt: r.createdAt,
    response: r.response === null ? null : clipWords(r.response, STORE_BODY_CHARS),
  };
}

/**
 * `text` in at most `max` characters (UTF-16 units, as the wire's schema counts): cut at the last space before the
 * limit with "…" after it, or mid-word when the text has no space that late (a long word), never through a surrogate
 * pair.
 */
export function clipWords(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const space = cut.search(/\s+\S*$/);
  if (space > max / 2) cut = cut.slice(0, space);
  else if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

const round = (x: number) => Math.round(x * 100) / 100;
const clamp = (x: number) => Math.min(5, Math.max(0, x));
