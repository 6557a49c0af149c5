import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewStoreProduct } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { reviewsSink, StoreReviewsRepository } from '../src/reviews/index.js';

const review = (n: number, extra: Partial<ReviewStoreProduct['top'][number]> = {}) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  rating: 5,
  title: `Review ${n}`,
  body: 'Lovely and smooth.',
  author: 'Ana P.',
  verified: true,
  helpful: 3,
  createdAt: 1_700_000_000_000,
  response: null,
  ...extra,
});
const product = (sku: string, revision: number, extra: Partial<ReviewStoreProduct> = {}): ReviewStoreProduct => ({
  sku,
  revision,
  count: 27,
  average: 4.3,
  bayesian: 4.2,
  histogram: [1, 1, 2, 8, 15],
  top: [review(1)],
  updatedAt: 1_700_000_000_000,
  ...extra,
});

/**
 * Issue #24 at the store, with no hub: the hub's `reviews.products` arrives as feed entries (through the sync
 * storage's own `applyFeed`, the path a feed page takes) and a cold start's `reviews` rows through the section's
 * sink; the store keeps each product's highest revision and answers `GET /api/reviews/:sku` from its copy.
 */
describe('product reviews on a store node with no hub', () => {
  let node: StoreNode;
  const clock = 1_800_000_000_000;
  const call = async (path: string) => {
    const res = await fetch(node.url + path);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const feed = (...payloads: unknown[]) => {
    const cursor = node.sync.storage.feedCursor();
    node.sync.storage.applyFeed(
      payloads.map((payload, i) => ({ seq: cursor + i + 1, type: 'reviews.products', createdAt: clock, payload })),
    );
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-reviews-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      now: () => clock,
    });
    await node.start();
  });
  afterAll(() => node?.stop());

  it('404 for a product the store holds no reviews of; a hostile sku is 400 problem+json', async () => {
    const none = await call('/api/reviews/COFFEE');
    expect(none.status).toBe(404);
    expect(none.type).toMatch(/problem\+json/);
    for (const bad of ['%00', 'a%00b', 'x'.repeat(5_000), '%20%20', 'a%2Fb%2F..']) {
      const r = await call(`/api/reviews/${bad}`);
      expect([bad.slice(0, 12), r.status]).toEqual([bad.slice(0, 12), 400]);
      expect(r.type).toMatch(/problem\+json/);
    }
  });

  it('answers the product’s summary and top reviews from a feed entry', async () => {
    feed({ products: [product('COFFEE', 10), product('TEA', 5, { count: 1, histogram: [0, 0, 1, 0, 0] })] });
    const r = await call('/api/reviews/COFFEE');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(product('COFFEE', 10));
    expect((await call('/api/reviews/TEA')).body.count).toBe(1);
  });

  it('a later revision replaces; an older one arriving late is ignored', async () => {
    feed({ products: [product('COFFEE', 12, { count: 28, top: [review(2, { title: 'Newer' })] })] });
    expect((await call('/api/reviews/COFFEE')).body).toMatchObject({
      revision: 12,
      count: 28,
      top: [{ title: 'Newer' }],
    });
    feed({ products: [product('COFFEE', 11, { count: 3 })] });
    expect((await call('/api/reviews/COFFEE')).body).toMatchObject({ revision: 12, count: 28 });
  });

  it('count 0 removes the product, and a late older entry does not bring it back', async () => {
    feed({ products: [product('TEA', 6, { count: 0, average: 0, bayesian: 0, histogram: [0, 0, 0, 0, 0], top: [] })] });
    expect((await call('/api/reviews/TEA')).status).toBe(404);
    feed({ products: [product('TEA', 5)] });
    expect((await call('/api/reviews/TEA')).status).toBe(404);
    feed({ products: [product('TEA', 7, { count: 2 })] });
    expect((await call('/api/reviews/TEA')).body.count).toBe(2);
  });

  it('a bad entry is parked and changes nothing', async () => {
    const before = (await call('/api/reviews/COFFEE')).body;
    feed({ products: [{ ...product('COFFEE', 99), body: 'x' }] }, { products: [] });
    expect((await call('/api/reviews/COFFEE')).body).toEqual(before);
  });

  it('a cold start’s rows apply through the sink, the higher revision winning; a bad row alone is refused', async () => {
    // the node's own sink when it has a hub to start cold from (reviews-hub.test.ts); here the same function
    const warned: unknown[] = [];
    const log = { warn: (o: unknown) => warned.push(o), info: () => {}, debug: () => {}, error: () => {} };
    const sink = reviewsSink(new StoreReviewsRepository(node.db), log as never, () => clock);
    sink(node.db, [product('JAM', 3), { sku: 'BAD', revision: 'x' }, product('COFFEE', 4)], null);
    expect((await call('/api/reviews/JAM')).body.revision).toBe(3);
    expect((await call('/api/reviews/COFFEE')).body.revision).toBe(12);
    expect((await call('/api/reviews/BAD')).status).toBe(404);
    expect(warned).toEqual([expect.objectContaining({ refused: 1 })]);
  });
});
