import type { ReviewStoreProduct } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** Where the copy stands: every hub row up to `revision` applied; `wanted` the newest a notice named. */
export interface ReviewsSyncState {
  readonly revision: number;
  readonly wanted: number;
  readonly pulledAt: number | null;
}

/** All of the store's SQL for its copy of products' ratings (pulled from the hub's `GET /api/reviews/store-products`). */
export class StoreReviewsRepository {
  readonly #put;
  readonly #get;
  readonly #count;
  readonly #state;
  readonly #advance;
  readonly #want;

  constructor(readonly db: SqliteDb) {
    this.#put = db.prepare(
      `INSERT INTO reviews_products (sku, revision, payload, applied_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET revision = excluded.revision, payload = excluded.payload,
         applied_at = excluded.applied_at
       WHERE excluded.revision > reviews_products.revision`,
    );
    this.#get = db.prepare('SELECT payload FROM reviews_products WHERE sku = ? AND payload IS NOT NULL').pluck();
    this.#count = db.prepare('SELECT count(*) FROM reviews_products WHERE payload IS NOT NULL').pluck();
    this.#state = db.prepare('SELECT revision, wanted, pulled_at AS pulledAt FROM reviews_sync WHERE id = 1');
    this.#advance = db.prepare('UPDATE reviews_sync SET revision = MAX(revision, ?) WHERE id = 1');
    this.#want = db.prepare('UPDATE reviews_sync SET wanted = MAX(wanted, ?) WHERE id = 1');
  }

  /**
   * Keeps `p` when it is newer than what the store holds for its product (a higher revision); `count: 0` keeps only
   * the revision (the product shows no reviews). Returns whether it changed anything. Call inside a transaction.
   */
  apply(p: ReviewStoreProduct, now: number): boolean {
    return this.#put.run(p.sku, p.revision, p.count > 0 ? JSON.stringify(p) : null, now).changes > 0;
  }

  /**
   * A page of the hub's copy: each product applied, and the copy marked as holding every row up to `revision` (never
   * lowered here). Call inside a transaction.
   */
  applyPage(products: readonly ReviewStoreProduct[], revision: number, now: number): void {
    for (const p of products) this.apply(p, now);
    this.#advance.run(revision);
  }

  state(): ReviewsSyncState {
    return this.#state.get() as ReviewsSyncState;
  }

  /** A notice named `revision`: the copy is behind until it holds it. */
  want(revision: number): void {
    this.#want.run(revision);
  }

  /**
   * A pull reached the end at the hub's `revision`: the copy holds exactly that (lowered too, when the hub went back —
   * a restore). A `wanted` above it that was known when the pull began (`wantedBefore`) is lowered to it (announced,
   * never served); one that came during the pull is kept, so the next pull asks for it. Returns the lowered notice.
   */
  settle(revision: number, wantedBefore: number, now: number): number | null {
    const s = this.state();
    const aheadOfServed = s.wanted > revision && s.wanted <= wantedBefore ? s.wanted : null;
    this.db
      .prepare('UPDATE reviews_sync SET revision = ?, wanted = ?, pulled_at = ? WHERE id = 1')
      .run(revision, aheadOfServed === null ? s.wanted : revision, now);
    return aheadOfServed;
  }

  /** The product's summary and top reviews, or undefined when the store holds none. */
  get(sku: string): ReviewStoreProduct | undefined {
    const payload = this.#get.get(sku) as string | undefined;
    return payload === undefined ? undefined : (JSON.parse(payload) as ReviewStoreProduct);
  }

  /** Products with reviews held. */
  count(): number {
    return this.#count.get() as number;
  }
}
