import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewStoreProduct } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { checkPage, reviewsSink, StoreReviewsRepository } from '../src/reviews/index.js';

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
  as: null,
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
const tombstone = (sku: string, revision: number) =>
  product(sku, revision, { count: 0, average: 0, bayesian: 0, histogram: [0, 0, 0, 0, 0], top: [] });

/**
 * Issue #24 at the store, with no hub: the hub's `reviews.changed {revision}` notice arrives as a feed entry (through
 * the sync storage's own `applyFeed`) and is recorded as wanted; the products come in pages of the hub's copy (here
 * applied as a pull applies them) and a cold start's `reviews` rows through the section's sink; the store keeps each
 * product's highest revision, drops one a tombstone names, and answers `GET /api/reviews/:sku` from its copy.
 */
describe('product reviews on a store node with no hub', () => {
  let node: StoreNode;
  const clock = 1_800_000_000_000;
  const call = async (path: string) => {
    const res = await fetch(node.url + path);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const notice = (...payloads: unknown[]) => {
    const cursor = node.sync.storage.feedCursor();
    node.sync.storage.applyFeed(
      payloads.map((payload, i) => ({ seq: cursor + i + 1, type: 'reviews.changed', createdAt: clock, payload })),
    );
  };
  const page = (products: ReviewStoreProduct[], revision: number) =>
    node.db.transaction(() => node.reviews.repo.applyPage(products, revision, clock)).immediate();

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

  it('a notice is recorded as wanted (the copy is behind); a bad notice is parked and changes nothing', () => {
    expect(node.reviews.status()).toMatchObject({ revision: 0, wanted: 0, pulledAt: null });
    notice({ revision: 12 });
    expect(node.reviews.status()).toMatchObject({ revision: 0, wanted: 12 });
    notice({ revision: 'x' }, { revision: 0 }, { revision: 99, products: [] }, { products: [product('COFFEE', 5)] });
    expect(node.reviews.status()).toMatchObject({ revision: 0, wanted: 12 });
    // an older notice does not lower what is wanted
    notice({ revision: 3 });
    expect(node.reviews.status().wanted).toBe(12);
  });

  it('answers the product’s summary and top reviews from a pulled page', async () => {
    page([product('TEA', 5, { count: 1, histogram: [0, 0, 1, 0, 0] }), product('COFFEE', 10)], 10);
    const r = await call('/api/reviews/COFFEE');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(product('COFFEE', 10));
    expect((await call('/api/reviews/TEA')).body.count).toBe(1);
    expect(node.reviews.status().revision).toBe(10);
  });

  it('a later revision replaces; an older one arriving late is ignored', async () => {
    page([product('COFFEE', 12, { count: 28, top: [review(2, { title: 'Newer' })] })], 12);
    expect((await call('/api/reviews/COFFEE')).body).toMatchObject({
      revision: 12,
      count: 28,
      top: [{ title: 'Newer' }],
    });
    page([product('COFFEE', 11, { count: 3 })], 11);
    expect((await call('/api/reviews/COFFEE')).body).toMatchObject({ revision: 12, count: 28 });
    expect(node.reviews.status().revision).toBe(12); // never lowered by a page
  });

  it('a tombstone drops the product, and a late older row does not bring it back', async () => {
    page([tombstone('TEA', 13)], 13);
    expect((await call('/api/reviews/TEA')).status).toBe(404);
    page([product('TEA', 5)], 13);
    expect((await call('/api/reviews/TEA')).status).toBe(404);
    page([product('TEA', 14, { count: 2 })], 14);
    expect((await call('/api/reviews/TEA')).body.count).toBe(2);
  });

  it('a page that cannot make progress or is out of order is refused', () => {
    expect(() =>
      checkPage(10, { products: [{ revision: 11 }, { revision: 12 }], revision: 12, more: true }),
    ).not.toThrow();
    expect(() => checkPage(10, { products: [], revision: 10, more: false })).not.toThrow();
    expect(() => checkPage(10, { products: [{ revision: 10 }], revision: 10, more: false })).toThrow(/order/);
    expect(() => checkPage(10, { products: [{ revision: 12 }, { revision: 11 }], revision: 12, more: false })).toThrow(
      /order/,
    );
    expect(() => checkPage(10, { products: [{ revision: 12 }], revision: 11, more: false })).toThrow(/behind/);
    expect(() => checkPage(10, { products: [], revision: 10, more: true })).toThrow(/move past/);
    const many = Array.from({ length: 201 }, (_, i) => ({ revision: 11 + i }));
    expect(() => checkPage(10, { products: many, revision: 211, more: true })).toThrow(/201 products/);
  });

  it('a cold start’s rows apply through the sink, the higher revision winning; a bad row alone is refused', async () => {
    // the node's own sink when it has a hub to start cold from (reviews-hub.test.ts); here the same function on a copy
    const warned: unknown[] = [];
    const log = { warn: (o: unknown) => warned.push(o), info: () => {}, debug: () => {}, error: () => {} };
    const repo = new StoreReviewsRepository(node.db);
    const sink = reviewsSink(repo, log as never, () => clock);
    sink(node.db, [product('JAM', 30), product('COFFEE', 4), tombstone('TEA', 31)], '31');
    expect((await call('/api/reviews/JAM')).body.revision).toBe(30);
    expect((await call('/api/reviews/COFFEE')).body.revision).toBe(12);
    expect((await call('/api/reviews/TEA')).status).toBe(404);
    // out of order above: rows it applied, the copy's revision kept where it was
    expect(repo.state().revision).toBe(14);
    sink(node.db, [{ sku: 'BAD', revision: 'x' }, product('MILK', 40)], null);
    expect((await call('/api/reviews/BAD')).status).toBe(404);
    expect((await call('/api/reviews/MILK')).body.revision).toBe(40);
    expect(warned).toEqual([expect.objectContaining({ refused: 1 })]);
    expect(repo.state().revision).toBe(14);
  });

  it('a cold start in revision order marks the copy as holding its last row, so the puller goes on from there', () => {
    const repo = new StoreReviewsRepository(node.db);
    const sink = reviewsSink(repo, { warn: () => {} } as never, () => clock);
    sink(node.db, [product('OATS', 50), product('RICE', 51)], '51');
    expect(repo.state().revision).toBe(51);
    sink(node.db, [tombstone('OATS', 52)], null);
    expect(repo.state().revision).toBe(52);
  });
});
