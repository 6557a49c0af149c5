import { reviewStoreProductsPageSchema } from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';
import { PullRetry } from '../hub-link/pull-retry.js';
import { StoreReviewsRepository } from './store-reviews-repository.js';

/** Products a page asks for. */
export const PAGE = 200;
/** How often the store asks even with no notice (a notice lost to a feed skip while it was away): a cheap empty page. */
export const RECHECK_MS = 15 * 60_000;

/** Where the copy stands, for the sync status. */
export interface ReviewsSyncStatus {
  readonly revision: number;
  readonly wanted: number;
  readonly pulling: boolean;
  readonly lastError: string | null;
  readonly pulledAt: number | null;
}

/**
 * Keeps the store's copy of products' ratings at the hub's revision (the tags puller's pattern; issue #24 review D1).
 * The hub broadcasts a small `reviews.changed {revision}`; the feed handler records it as `wanted` in the feed's
 * transaction, and this puller asks `GET /api/reviews/store-products?after=<revision held>` page by page (each page
 * checked whole and committed with the revision it brings the copy to, so a restart resumes where it stopped) until
 * the hub says there is no more. Tombstones (`count: 0`) drop the product. It pulls at start (a store that never
 * pulled pulls from 0), on each notice, every `RECHECK_MS` (a notice a feed skip lost), and retries with backoff
 * (1 s … 1 min) while the hub is unreachable, so it catches up once the store reconnects.
 */
export class ReviewsPuller {
  readonly repo: StoreReviewsRepository;
  readonly #loop: PullRetry;
  #check = true;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly db: SqliteDb,
    readonly get: HubGet | undefined,
    readonly log: SyncLogger,
    readonly now: () => number = Date.now,
  ) {
    this.repo = new StoreReviewsRepository(db);
    const due = () => {
      if (this.get === undefined) return false; // a store without a hub link: nothing to pull from
      const s = this.repo.state();
      return this.#check || s.pulledAt === null || s.revision < s.wanted;
    };
    this.#loop = new PullRetry('reviews', log, due, () => this.#pull(this.get!));
  }

  /** The feed handler: runs inside the feed page's transaction; the pull starts after it commits. */
  noticed(revision: number): void {
    this.repo.want(revision);
    setImmediate(() => this.poke());
  }

  /** Pulls if behind; `recheck` asks the hub even when no notice said so. */
  poke(recheck = false): void {
    if (recheck) this.#check = true;
    this.#loop.poke();
  }

  /** Pulls now, then every `RECHECK_MS`. */
  start(): void {
    this.poke(true);
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.poke(true), RECHECK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#loop.stop();
  }

  status(): ReviewsSyncStatus {
    const { revision, wanted, pulledAt } = this.repo.state();
    return { revision, wanted, pulling: this.#loop.pulling, lastError: this.#loop.lastError, pulledAt };
  }

  async #pull(get: HubGet): Promise<void> {
    this.#check = false;
    const { wanted } = this.repo.state();
    let rows = 0;
    for (;;) {
      const after = this.repo.state().revision;
      let page: ReturnType<typeof reviewStoreProductsPageSchema.parse>;
      try {
        page = reviewStoreProductsPageSchema.parse(
          await get(`/api/reviews/store-products?after=${after}&limit=${PAGE}`),
        );
      } catch (err) {
        this.#check = true; // asked again with backoff, even with no notice
        throw err;
      }
      if (this.#loop.stopped) return;
      checkPage(after, page);
      if (page.more)
        this.db.transaction(() => this.repo.applyPage(page.products, page.revision, this.now())).immediate();
      else
        this.db
          .transaction(() => {
            for (const p of page.products) this.repo.apply(p, this.now());
            const lowered = this.repo.settle(page.revision, wanted, this.now());
            if (lowered !== null)
              this.log.warn(
                { announced: lowered, served: page.revision },
                'the hub announced a reviews revision it did not serve; the copy holds what the hub served',
              );
          })
          .immediate();
      rows += page.products.length;
      if (!page.more) break;
    }
    if (rows > 0) this.log.info({ revision: this.repo.state().revision, rows }, 'reviews updated from the hub');
  }
}

/**
 * A page that cannot make progress is refused as a failed pull (asked again with backoff): more rows than asked, rows
 * not in revision order or not after `after`, a `revision` behind its own rows, or `more` without moving forward.
 */
export function checkPage(
  after: number,
  page: { products: readonly { revision: number }[]; revision: number; more: boolean },
): void {
  if (page.products.length > PAGE)
    throw new Error(`the hub sent ${page.products.length} products for a page of ${PAGE}; page refused`);
  let last = after;
  for (const p of page.products) {
    if (p.revision <= last)
      throw new Error(`the hub's reviews page is not in revision order after ${after} (${p.revision}); page refused`);
    last = p.revision;
  }
  if (page.revision < last)
    throw new Error(`the hub's reviews page ends at ${page.revision}, behind its rows (${last}); page refused`);
  if (page.more && page.revision <= after)
    throw new Error(`the hub's reviews page did not move past ${after}; page refused`);
}
