import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { StoreFeedHub } from './store-feed-fixture.js';

/**
 * Stores and changed products of the measured run: 400 stores (two transactions of 200) in the suite;
 * REVIEWS_FEED_SCALE_STORES=5000 for the fleet-size figure in the README.
 */
const STORES = Number(process.env.REVIEWS_FEED_SCALE_STORES || 400);
const PRODUCTS = 100;

/**
 * The feed job at fleet size: 100 changed products, three long reviews each (the worst case: every top review's text
 * at the 600-character clip), sent to every store (one `reviews.products` entry each, 200 stores a transaction). Prints the rows written and the seconds (for the README; a timing is never asserted), and checks
 * every store got every product once and the dirty list is empty.
 */
describe.each(dbTargets)('reviews store feed at fleet size ($name)', (target) => {
  let h: StoreFeedHub;

  beforeAll(async () => {
    h = await StoreFeedHub.start(target);
    await h.stores(STORES, 'SCALE');
    const reviews = Array.from({ length: PRODUCTS * 3 }, (_, i) => ({
      sku: `SKU-${String(i % PRODUCTS).padStart(4, '0')}`,
      rating: 1 + (i % 5),
      title: `Review ${i}`,
      body: `A review of product ${i % PRODUCTS}, number ${i}: ${'it does what it says. '.repeat(40)}`,
      helpful: i % 7,
    }));
    await h.review(...reviews);
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it(`sends ${PRODUCTS} changed products to ${STORES} stores in one run`, async () => {
    const started = performance.now();
    const fed = await h.parts.storeFeed.run();
    const seconds = (performance.now() - started) / 1000;
    expect(fed).toEqual({ products: PRODUCTS, stores: STORES });
    const { rows } = await h.db.query<{ n: number; bytes: string; stores: number; products: number; biggest: number }>(
      `SELECT count(*)::int AS n, sum(octet_length(payload::text))::bigint AS bytes,
         count(DISTINCT store_id)::int AS stores, max(octet_length(payload::text))::int AS biggest,
         (SELECT count(*)::int FROM sync_feed f, jsonb_array_elements(f.payload->'products') p
          WHERE f.type = 'reviews.products' AND f.store_id = (SELECT min(store_id::text)::uuid FROM sync_feed)) AS products
       FROM sync_feed WHERE type = 'reviews.products'`,
    );
    const written = rows[0]!.n;
    expect(rows[0]!.stores).toBe(STORES);
    expect(written % STORES).toBe(0); // each store the same entries
    expect(rows[0]!.products).toBe(PRODUCTS); // every product once
    expect(rows[0]!.biggest).toBeLessThan(80 * 1024);
    expect(await h.dirty()).toEqual([]);
    console.log(
      `reviews.store-feed (${target.name}): ${PRODUCTS} products × ${STORES} stores → ${written} feed rows ` +
        `(${written / STORES} a store), ${(Number(rows[0]!.bytes) / 1e6).toFixed(1)} MB of payload, ${seconds.toFixed(2)} s`,
    );
  }, 600_000);
});
