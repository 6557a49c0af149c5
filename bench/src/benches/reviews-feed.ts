import { randomUUID } from 'node:crypto';
import { createHub } from '@storefleet/central';
import type { ReviewStoreProduct } from '@storefleet/shared';
import type { Db } from '../../../central/src/db/db.js';
import { markStoreDirty } from '../../../central/src/modules/reviews/store-dirty.js';
import { type ReviewsParts, reviewsParts } from '../../../central/src/modules/reviews/index.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { modulesKeepingContext } from '../support/module-context.js';

/** A positive whole number from the environment, else the fallback; anything else stops the run. */
function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not '${raw}'`);
  return n;
}

const onPglite = () => benchTargets[0]?.name === 'pglite';
export const REVIEWS_FEED_DEFAULTS = {
  /** Stores the changes reach (the fleet's size; 500 on in-memory PGlite, whose anchor would not fit in memory). */
  stores: () => fromEnv('REVIEWS_FEED_STORES', onPglite() ? 500 : 5_000),
  /** Products changed in the run, three reviews each at the kiosk card's 600-character clip (the worst case). */
  products: () => fromEnv('REVIEWS_FEED_PRODUCTS', 100),
  /** Stores pulling (or reading their feed) at once. */
  inFlight: () => fromEnv('REVIEWS_FEED_IN_FLIGHT', 8),
};
/**
 * Goal: the notice-and-pull way writes at most a tenth of the bytes the per-store copies did, and no more rows (a
 * notice per store is one row per store; the old way wrote one per entry per store).
 */
const GOAL_FACTOR = 10;
const ANCHOR = 'every-store-its-own-copy-of-the-payloads';
/** The old way's batching: entries of at most 100 products / ~64 KB, 200 stores a transaction. */
const OLD_PRODUCTS_AN_ENTRY = 100;
const OLD_ENTRY_BYTES = 64 * 1024;
const OLD_STORES_A_BATCH = 200;
const PAGE = 200;

/**
 * `npm run bench -- reviews-feed` (issue #24 review D1, D18): N products' ratings changed, reaching every store of
 * the fleet. Measured: the `reviews.store-feed` job (the latest row of each product kept once at the hub, one
 * `reviews.changed` notice broadcast per store) plus every store's pull of what changed (in process, through the
 * module's own `page`, `inFlight` at once) — rows written, bytes written, seconds. Anchor, in the same run on the same
 * products: the way it was before, every store its own copy of the payloads in its feed (entries of ≤ 100 products,
 * 200 stores a transaction) plus every store reading its entries back. Checks (exit 1 when one fails): every store got
 * every product, one notice per store, and the goal — no more rows than the anchor and at most a tenth of its bytes.
 */
export const reviewsFeedBench: Benchmark = {
  name: 'reviews-feed',
  description: "reviews' stores' copy: N products changed reaching every store, notice + pull vs a copy per store",
  async run(): Promise<Figure[]> {
    const target = benchTargets[0]!;
    const stores = REVIEWS_FEED_DEFAULTS.stores();
    const products = REVIEWS_FEED_DEFAULTS.products();
    const inFlight = REVIEWS_FEED_DEFAULTS.inFlight();
    return withDb(target, async (place) => {
      const { modules, context } = await modulesKeepingContext('reviews');
      // the job's schedule an hour away: the bench runs it itself
      const hub = await createHub({
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        ...place,
        modules,
        tuning: { reviewsFeedEveryMs: 3_600_000 },
      });
      try {
        await hub.start();
        const ctx = context();
        const parts = reviewsParts(ctx);
        const db = ctx.db;
        const storeIds = await seedStores(db, stores, ctx.now());
        await seedReviews(db, products, ctx.now());
        console.error(`  ${stores} stores, ${products} products × 3 reviews seeded (${target.name})`);

        // ---- notice + pull
        const feedBefore = await feedSize(db);
        const t0 = performance.now();
        const fed = await parts.storeFeed.run();
        const runS = (performance.now() - t0) / 1000;
        let short = 0;
        const t1 = performance.now();
        await pool(storeIds, inFlight, async () => {
          if ((await pullAll(parts, db)).length !== products) short++;
        });
        const pullS = (performance.now() - t1) / 1000;
        const feedAfter = await feedSize(db);
        const copy = await copySize(db);
        const notices = feedAfter.rows - feedBefore.rows;
        const newRows = notices + copy.rows;
        const newBytes = feedAfter.bytes - feedBefore.bytes + copy.bytes;
        const newS = runS + pullS;
        console.error(
          `  notice + pull: run ${round(runS, 2)} s (${fed.products} products kept once, ${notices} notices), ` +
            `${stores} pulls ${round(pullS, 2)} s`,
        );

        // ---- the anchor: every store its own copy of the same products' payloads, then each store reads its entries
        const same = await pullAll(parts, db);
        const entries = chunks(same);
        const t2 = performance.now();
        for (let k = 0; k < storeIds.length; k += OLD_STORES_A_BATCH) {
          const batch = storeIds.slice(k, k + OLD_STORES_A_BATCH);
          await db.transaction((tx) =>
            ctx.feed.appendMany(
              tx,
              batch.flatMap((storeId) =>
                entries.map((chunk) => ({ storeId, type: 'bench.reviews.products', payload: { products: chunk } })),
              ),
            ),
          );
        }
        const writeS = (performance.now() - t2) / 1000;
        let oldShort = 0;
        const t3 = performance.now();
        await pool(storeIds, inFlight, async (storeId) => {
          const { rows } = await db.query<{ payload: { products: unknown[] } }>(
            "SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'bench.reviews.products' ORDER BY seq",
            [storeId],
          );
          if (rows.reduce((n, r) => n + r.payload.products.length, 0) !== products) oldShort++;
        });
        const readS = (performance.now() - t3) / 1000;
        const oldFeed = await feedSize(db, 'bench.reviews.products');
        const oldS = writeS + readS;
        console.error(
          `  anchor: ${oldFeed.rows} feed rows, ${round(oldFeed.bytes / 1e6)} MB written in ${round(writeS, 2)} s, ` +
            `read back in ${round(readS, 2)} s`,
        );

        check(fed.products === products, `the run kept ${fed.products} products, not ${products}`);
        check(notices === stores && fed.stores === stores, `${notices} notices written for ${stores} stores`);
        check(short === 0, `${short} of ${stores} stores' pulls did not get every product`);
        check(oldShort === 0, `${oldShort} of ${stores} stores' feeds (the anchor) did not hold every product`);
        check(newRows <= oldFeed.rows, `rows written ${newRows} are more than the anchor's ${oldFeed.rows}`);
        check(
          newBytes * GOAL_FACTOR <= oldFeed.bytes,
          `bytes written ${newBytes} are more than a tenth of the anchor's ${oldFeed.bytes}`,
        );

        const base = { bench: 'reviews-feed', db: target.name, n: stores };
        return [
          against(
            { ...base, metric: `rows_written_${products}_products`, value: newRows, unit: 'rows' },
            ANCHOR,
            oldFeed.rows,
            false,
          ),
          against(
            { ...base, metric: `mb_written_${products}_products`, value: newBytes / 1e6, unit: 'MB' },
            ANCHOR,
            oldFeed.bytes / 1e6,
            false,
          ),
          against(
            { ...base, metric: `seconds_${products}_products_to_every_store`, value: newS, unit: 's' },
            ANCHOR,
            oldS,
            false,
          ),
          { ...base, metric: 'job_run_seconds', value: round(runS, 2), unit: 's' },
          { ...base, metric: 'store_pulls_seconds', value: round(pullS, 2), unit: 's' },
        ];
      } finally {
        await hub.stop();
      }
    });
  },
};

/** `n` store rows (no credential: nothing connects; the feed writer feeds every STORE location). */
async function seedStores(db: Db, n: number, now: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  for (let k = 0; k < n; k += 1_000) {
    await db.query(
      `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
       SELECT id, 'RVB-' || (n + $2)::text, 'Store ' || (n + $2)::text, 'STORE', 40.7, -74, $3, $3
       FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)`,
      [ids.slice(k, k + 1_000), k, now],
    );
  }
  return ids;
}

/** Three approved reviews of each product with 600+ characters of text, the summaries recounted, products dirty. */
async function seedReviews(db: Db, products: number, now: number): Promise<void> {
  const skus = Array.from({ length: products }, (_, i) => `RVB-${String(i).padStart(5, '0')}`);
  await db.transaction(async (tx) => {
    for (let i = 0; i < products * 3; i++) {
      const sku = skus[i % products]!;
      await tx.query(
        `INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, verified, helpful,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'Ana P.', 'APPROVED', true, $7, $8, $8)`,
        [
          randomUUID(),
          sku,
          randomUUID(),
          1 + (i % 5),
          `Review ${i}`,
          `A review of ${sku}, number ${i}: ${'it does what it says. '.repeat(40)}`,
          i % 7,
          now - i,
        ],
      );
    }
    for (const sku of [...skus, '*'])
      await tx.query(
        `INSERT INTO review_summaries (sku, n1, n2, n3, n4, n5, verified, with_photos, revision, updated_at)
         SELECT $1, count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
           count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4), count(*) FILTER (WHERE rating = 5),
           count(*) FILTER (WHERE verified), 0, 1, $2
         FROM reviews WHERE status = 'APPROVED' AND ($1 = '*' OR sku = $1)
         ON CONFLICT (sku) DO UPDATE SET n1 = EXCLUDED.n1, n2 = EXCLUDED.n2, n3 = EXCLUDED.n3, n4 = EXCLUDED.n4,
           n5 = EXCLUDED.n5, verified = EXCLUDED.verified, revision = review_summaries.revision + 1,
           updated_at = EXCLUDED.updated_at`,
        [sku, now],
      );
    await markStoreDirty(tx, skus, now);
  });
}

/** A store that held nothing pulls until caught up, as the store's puller does. */
async function pullAll(parts: ReviewsParts, db: Db): Promise<ReviewStoreProduct[]> {
  const out: ReviewStoreProduct[] = [];
  let after = 0;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await parts.storeFeed.page(db, after, PAGE);
    out.push(...page.products);
    after = page.revision;
    if (!page.more) break;
  }
  return out;
}

async function feedSize(db: Db, type?: string): Promise<{ rows: number; bytes: number }> {
  const { rows } = await db.query<{ n: number; bytes: string }>(
    `SELECT count(*)::int AS n, coalesce(sum(octet_length(payload::text)), 0)::text AS bytes FROM sync_feed
     WHERE $1::text IS NULL OR type = $1`,
    [type ?? null],
  );
  return { rows: rows[0]!.n, bytes: Number(rows[0]!.bytes) };
}

async function copySize(db: Db): Promise<{ rows: number; bytes: number }> {
  const { rows } = await db.query<{ n: number; bytes: string }>(
    'SELECT count(*)::int AS n, coalesce(sum(octet_length(payload::text)), 0)::text AS bytes FROM review_store_products',
  );
  return { rows: rows[0]!.n, bytes: Number(rows[0]!.bytes) };
}

/** The old way's entries: at most 100 products and about 64 KB of JSON each. */
function chunks(products: readonly ReviewStoreProduct[]): ReviewStoreProduct[][] {
  const out: ReviewStoreProduct[][] = [];
  let chunk: ReviewStoreProduct[] = [];
  let bytes = 0;
  for (const p of products) {
    const size = JSON.stringify(p).length;
    if (chunk.length > 0 && (chunk.length === OLD_PRODUCTS_AN_ENTRY || bytes + size > OLD_ENTRY_BYTES)) {
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

/** Runs `each` over `items`, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}
