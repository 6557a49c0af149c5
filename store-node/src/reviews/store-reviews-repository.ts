import type { ReviewStoreProduct } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** All of the store's SQL for its copy of products' ratings (the hub's `reviews.products`). */
export class StoreReviewsRepository {
  readonly #put;
  readonly #get;
  readonly #count;

  constructor(readonly db: SqliteDb) {
    this.#put = db.prepare(
      `INSERT INTO reviews_products (sku, revision, payload, applied_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET revision = excluded.revision, payload = excluded.payload,
         applied_at = excluded.applied_at
       WHERE excluded.revision > reviews_products.revision`,
    );
    this.#get = db.prepare('SELECT payload FROM reviews_products WHERE sku = ? AND payload IS NOT NULL').pluck();
    this.#count = db.prepare('SELECT count(*) FROM reviews_products WHERE payload IS NOT NULL').pluck();
  }

  /**
   * Keeps `p` when it is newer than what the store holds for its product (a higher revision); `count: 0` keeps only
   * the revision (the product shows no reviews). Returns whether it changed anything. Call inside the feed's
   * transaction.
   */
  apply(p: ReviewStoreProduct, now: number): boolean {
    return this.#put.run(p.sku, p.revision, p.count > 0 ? JSON.stringify(p) : null, now).changes > 0;
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
