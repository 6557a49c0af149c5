import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { reviewsSettled } from './support/reviews-access.js';
import { catalogRows, seedCatalog, seedCustomers } from '../src/demo/demo-seed.js';
import {
  DEMO_BURST_IP,
  DEMO_REVIEWED_PRODUCTS,
  demoReviewedProducts,
  seedDemoReviews,
} from '../src/demo/demo-reviews.js';

/**
 * What `npm start` seeds for reviews (issue #24): a dozen products with approved reviews (most verified), summaries
 * that agree with them, a burst held or refused with its reasons, a refused near-duplicate, the brand's answers and
 * votes. Started again, it writes nothing twice.
 */
describe.each(dbTargets)('the demo’s reviews on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let summary: string;
  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await t.call(method, path, body, { cookie: admin });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const seed = async () =>
    seedDemoReviews({
      hub: t.hub,
      api,
      customers: (await seedCustomers(api)).map((c) => c.id),
      catalog: catalogRows(),
      say: () => {},
    });
  const snapshot = async () =>
    (
      await t.hub.db.query(
        `SELECT (SELECT count(*) FROM reviews)::int AS reviews, (SELECT count(*) FROM review_votes)::int AS votes,
                (SELECT count(*) FROM review_responses)::int AS responses,
                (SELECT count(*) FROM review_purchases)::int AS purchases, (SELECT count(*) FROM customers)::int AS customers`,
      )
    ).rows[0];

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    await seedCatalog(api, () => {});
    ({ summary } = await seed());
  }, 400_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('gives a dozen products approved reviews, most verified, with summaries that agree', async () => {
    expect(summary).toMatch(/^\d+ approved reviews of 12 products \(\d+ verified\)/);
    const products = demoReviewedProducts(catalogRows());
    expect(products).toHaveLength(DEMO_REVIEWED_PRODUCTS);
    let verified = 0;
    let total = 0;
    for (const p of products) {
      const page = await api<{ summary: any; reviews: { rating: number; verified: boolean; status: string }[] }>(
        'GET',
        `/api/reviews/products/${p.sku}?sort=newest&limit=50`,
      );
      expect(page.reviews.length, p.sku).toBeGreaterThanOrEqual(3);
      expect(page.reviews.every((r) => r.status === 'APPROVED')).toBe(true);
      const histogram = [1, 2, 3, 4, 5].map((s) => page.reviews.filter((r) => r.rating === s).length);
      expect(page.summary.histogram).toEqual(histogram);
      expect(page.summary.count).toBe(page.reviews.length);
      const mean = page.reviews.reduce((a, r) => a + r.rating, 0) / page.reviews.length;
      expect(page.summary.average).toBeCloseTo(mean, 5);
      verified += page.reviews.filter((r) => r.verified).length;
      total += page.reviews.length;
    }
    expect(verified).toBeGreaterThan(total / 2);
  });

  it('holds the whole burst from one device once it shows, and refuses the near-duplicate, reasons stored', async () => {
    const { rows } = await t.hub.db.query<{ status: string; fraud_reasons: { code: string }[] }>(
      'SELECT status, fraud_reasons FROM reviews WHERE client_ip = $1 ORDER BY created_at',
      [DEMO_BURST_IP],
    );
    expect(rows).toHaveLength(5);
    // the burst is seen at its fourth review on one device (by several customers): that one is held, and so are the
    // three before it (they looked like anyone's when they came, and are held once the burst shows)
    const fourth = rows[3]!;
    expect(fourth.fraud_reasons.map((r) => r.code)).toContain('DEVICE_BURST');
    expect(rows.every((r) => r.status === 'MANUAL_REVIEW' || r.status === 'REJECTED')).toBe(true);
    expect(rows.every((r) => r.fraud_reasons.length > 0)).toBe(true);
    const copy = rows[4]!;
    expect(copy.status).toBe('REJECTED');
    expect(copy.fraud_reasons.map((r) => r.code)).toContain('NEAR_DUPLICATE');
    const queue = await api<{ counts: Record<string, number> }>('GET', '/api/reviews/moderation?kind=MANUAL_REVIEW');
    expect((queue.counts.MANUAL_REVIEW ?? 0) + (queue.counts.REJECTED ?? 0)).toBeGreaterThanOrEqual(5);
  });

  it('has the brand’s answers and helpfulness votes', async () => {
    const snap = (await snapshot()) as { votes: number; responses: number };
    expect(snap.responses).toBeGreaterThanOrEqual(1);
    expect(snap.votes).toBeGreaterThan(10);
  });

  it('writes nothing twice when started again', async () => {
    await reviewsSettled(t);
    const before = await snapshot();
    const again = await seed();
    expect(again.summary).toBe(summary);
    expect(await snapshot()).toEqual(before);
  });
});
