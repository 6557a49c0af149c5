import {
  feedEntry,
  REVIEWS_FEED_PRODUCTS,
  REVIEWS_FEED_TOP,
  type ReviewStoreItem,
  type ReviewStoreProduct,
  type ReviewStoreProductsPage,
  reviewStoreProductSchema,
  UnprocessableError,
} from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';
import { ReviewsStoreFeedRepository, type SummaryRow, type TopReviewRow } from './store-feed-repository.js';
import { BAYES_PRIOR_WEIGHT } from './types.js';

export const REVIEWS_FEED_JOB = 'reviews.store-feed';
/** Dirty products one run takes at most (the rest wait for the next run, oldest first). */
export const DIRTY_A_RUN = 2_000;
/** A store's kiosk card: the text clipped to this many characters. */
export const STORE_BODY_CHARS = 600;

/** What a run did: products whose stores' row changed, and the `reviews.changed` notices written (one per store). */
export interface StoreFeedRun {
  readonly products: number;
  readonly stores: number;
}

/**
 * The stores' copy (issue #24; review D1): every `reviewsFeedEveryMs` the products in `review_store_dirty` are built
 * into `ReviewStoreProduct`s (summary, Bayesian average, top reviews) and kept ONCE at the hub, in
 * `review_store_products`, each at a new revision from one growing sequence — a product with no approved review left
 * keeps a `count: 0` row (a tombstone). Then one small notice, `reviews.changed {revision}`, is broadcast: one feed row
 * per store per run, however many products changed. Stores pull the rows after the revision they hold
 * (`GET /api/reviews/store-products`, `page`), in revision order.
 *
 * A product whose built row shows what the copy holds already (a vote that did not change the top three or their
 * order, a change undone before the run) gets no new revision and no notice. The run writes under the lock of
 * `review_store_announced`, so revisions commit in order: a store's cursor never passes a row that commits later.
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
        if (fed.products > 0) this.ctx.log.debug(fed, 'reviews: stores told products changed');
      },
    });
    await this.ctx.jobs.schedule(REVIEWS_FEED_JOB, { everyMs: this.ctx.settings.tuning.reviewsFeedEveryMs });
  }

  /** One run now (the job's body; tests call it). Resolves with the products changed and the notices written. */
  run(): Promise<StoreFeedRun> {
    const next = this.#last.then(
      () => this.#run(),
      () => this.#run(),
    );
    this.#last = next.catch(() => undefined);
    return next;
  }

  async #run(): Promise<StoreFeedRun> {
    const db = this.ctx.db;
    // Taken in one transaction: a change committed after it marks the product dirty again (a fresh row).
    const skus = await db.transaction((tx) => new ReviewsStoreFeedRepository(tx).claim(DIRTY_A_RUN));
    if (skus.length === 0) return { products: 0, stores: 0 };
    return db.transaction(async (tx: Queryable) => {
      const repo = new ReviewsStoreFeedRepository(tx);
      const announced = await repo.lockAnnounced();
      const built = await this.build(repo, skus);
      const held = await repo.held(skus);
      // A product the wire cannot carry (a sku no store could hold) is dropped with a warning, not retried forever.
      const changed = built.filter((p) => {
        const ok = reviewStoreProductSchema.safeParse({ ...p, revision: 1 }).success;
        if (!ok) this.ctx.log.warn({ sku: p.sku.slice(0, 80) }, 'reviews: a product the stores cannot be sent');
        // a product no store was ever sent needs no tombstone
        return ok && !sameShown(held.get(p.sku), p) && (p.count > 0 || held.has(p.sku));
      });
      const revisions = await repo.nextRevisions(changed.length);
      await repo.put(
        changed.map((p, i) => ({ ...p, revision: revisions[i]! })),
        this.ctx.now(),
      );
      const newest = await repo.newest();
      let stores = 0;
      if (newest > announced) {
        stores = await this.ctx.feed.broadcast(tx, feedEntry('reviews.changed', { revision: newest }));
        await repo.setAnnounced(newest);
      }
      await repo.done(skus);
      return { products: changed.length, stores };
    });
  }

  /**
   * A store's pull: up to `limit` products changed after revision `after`, in revision order, tombstones included;
   * `revision` is what the page brings the store to and `more` whether to ask again after it.
   */
  async page(q: Queryable, after: number, limit: number): Promise<ReviewStoreProductsPage> {
    const bound = Math.max(1, Math.min(limit, REVIEWS_FEED_PRODUCTS));
    const { products, newest } = await new ReviewsStoreFeedRepository(q).changedAfter(after, bound);
    const more = products.length === bound && products.at(-1)!.revision < newest;
    return {
      products,
      revision: more ? products.at(-1)!.revision : Math.max(newest, products.at(-1)?.revision ?? 0),
      more,
    };
  }

  /**
   * Cold start: the copy's rows from revision 0 (tombstones too), in revision order — the store's pull from 0, so a
   * new store's copy ends at a revision its puller goes on from. `after` is the `next` of the page before (a revision).
   */
  bootstrap(): SnapshotSource {
    return {
      count: (q) => new ReviewsStoreFeedRepository(q).rowCount(),
      page: async (q, _storeId, after, limit) => {
        if (after !== null && !/^\d{1,16}$/.test(after))
          throw new UnprocessableError('after is not a revision of the reviews section', { field: 'after' });
        const page = await this.page(q, after === null ? 0 : Number(after), limit);
        return { rows: page.products, next: page.more ? String(page.revision) : null };
      },
    };
  }

  /** Each product's row (revision 0: the caller gives it one): `count: 0` and no reviews for one with none approved. */
  async build(repo: ReviewsStoreFeedRepository, skus: readonly string[]): Promise<ReviewStoreProduct[]> {
    const summaries: Map<string, SummaryRow> = await repo.summaries(skus);
    const mean = await repo.catalogMean();
    const tops = await repo.top(skus, REVIEWS_FEED_TOP);
    return skus.map((sku) => {
      const s = summaries.get(sku);
      const histogram = s?.histogram ?? [0, 0, 0, 0, 0];
      const count = histogram.reduce((a, b) => a + b, 0);
      const sum = histogram.reduce((a, n, i) => a + n * (i + 1), 0);
      const top = count > 0 ? (tops.get(sku) ?? []).map(storeItem) : [];
      return {
        sku,
        revision: 0,
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
 * Whether a store would show `built` as it shows `held`: all but the revision, the time of the change and the top
 * reviews' helpful counts (a vote re-sends the product only when it changes which reviews are the top three or their
 * order; the kiosk shows no count, and the row carries the counts of its last real change).
 */
function sameShown(held: ReviewStoreProduct | undefined, built: ReviewStoreProduct): boolean {
  if (!held) return false;
  const shown = (p: ReviewStoreProduct) =>
    JSON.stringify([
      p.count,
      p.average,
      p.bayesian,
      p.histogram,
      p.top.map(({ helpful: _, ...t }) => Object.entries(t).sort()),
    ]);
  return shown(held) === shown(built);
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
    as: r.response === null ? null : clipWords(r.responseAs ?? '', 80) || null,
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
