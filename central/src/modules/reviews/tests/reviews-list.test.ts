import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { reviewPurchaseSink } from '../purchases.js';
import { BAYES_PRIOR_WEIGHT } from '../types.js';
import { customerAtA, reviewBody, reviewsHub, reviewTables } from './reviews-harness.js';

interface Listed {
  id: string;
  rating: number;
  verified: boolean;
  helpful: number;
  createdAt: number;
}

// Issue #24, lane A: a product's list (filters, sorts, cursor pages), its summary and Bayesian average, hostile input.
describe.each(dbTargets)('reviews: lists, summaries and hostile input on $name', (target) => {
  const h = reviewsHub(target, ['LAMP', 'SHADE', 'OTHER']);
  const lamp: { id: string; rating: number }[] = [];

  it('sorts, filters and pages a product’s approved reviews with no duplicate or gap while reviews are added', async () => {
    const ratings = [5, 3, 1, 4, 5, 2, 4, 5, 3, 1, 5, 4];
    for (const [i, rating] of ratings.entries()) {
      const c = await customerAtA(h, `Lamp Person${i}`);
      if (i % 3 === 0)
        await reviewPurchaseSink.record(h.ctx.db, [
          {
            customerId: c.id,
            sku: 'LAMP',
            kind: 'PURCHASE',
            storeId: null,
            source: 'order',
            sourceRef: `O-${i}`,
            at: 1,
          },
        ]);
      h.t.clock.offsetMs += 1_000;
      const r = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'LAMP', { rating }), { cookie: h.admin });
      expect(r.status).toBe(201);
      lamp.push({ id: r.body.id, rating });
    }
    // one waits for a moderator: never listed
    const hidden = await customerAtA(h, 'Held Back');
    await h.t.call('POST', '/api/reviews', reviewBody(hidden.id, 'LAMP', { body: 'Suspicious text here [manual]' }), {
      cookie: h.admin,
    });
    // helpful counts (lane B's votes) set straight in the table: the sort reads them
    for (const [i, r] of lamp.entries())
      await h.ctx.db.query('UPDATE reviews SET helpful = $2 WHERE id = $1', [r.id, i % 4]);

    const all = async (query: string) => {
      const seen: Listed[] = [];
      let after: string | null = null;
      for (let page = 0; page < 20; page++) {
        const a: { status: number; body: { reviews: Listed[]; next: string | null } } = await h.t.call(
          'GET',
          `/api/reviews/products/LAMP?limit=5&${query}${after ? `&after=${after}` : ''}`,
          undefined,
          { bearer: h.storeB.token },
        );
        expect(a.status).toBe(200);
        seen.push(...a.body.reviews);
        after = a.body.next;
        if (!after) break;
        if (page === 0) {
          // a review added while paging lands before the cursor: the later pages neither repeat nor skip one
          const late = await customerAtA(h, `Late Comer${query.length}`);
          h.t.clock.offsetMs += 1_000;
          await h.t.call('POST', '/api/reviews', reviewBody(late.id, 'SHADE'), { cookie: h.admin });
        }
      }
      return seen;
    };
    const newest = await all('sort=newest');
    expect(newest.map((r) => r.id)).toEqual([...lamp].reverse().map((r) => r.id));
    const high = await all('sort=rating_high');
    expect(high.map((r) => r.rating)).toEqual([...ratings].sort((a, b) => b - a));
    expect(new Set(high.map((r) => r.id)).size).toBe(lamp.length);
    const low = await all('sort=rating_low');
    expect(low.map((r) => r.rating)).toEqual([...ratings].sort((a, b) => a - b));
    // within one rating, newest first
    const fives = low.filter((r) => r.rating === 5).map((r) => r.createdAt);
    expect(fives).toEqual([...fives].sort((a, b) => b - a));
    const helpful = await all('sort=helpful');
    expect(helpful.map((r) => r.helpful)).toEqual(lamp.map((_, i) => i % 4).sort((a, b) => b - a));
    expect(new Set(helpful.map((r) => r.id)).size).toBe(lamp.length);

    expect((await all('verified=true&sort=newest')).map((r) => r.id)).toEqual(
      lamp
        .filter((_, i) => i % 3 === 0)
        .reverse()
        .map((r) => r.id),
    );
    expect((await all('rating=5')).every((r) => r.rating === 5)).toBe(true);
    expect(await all('rating=5')).toHaveLength(4);
    expect(await all('photos=true')).toEqual([]);
    // a cursor of another sort is refused
    const first = await h.t.call('GET', '/api/reviews/products/LAMP?limit=2&sort=newest', undefined, {
      cookie: h.admin,
    });
    const mixed = await h.t.call('GET', `/api/reviews/products/LAMP?sort=helpful&after=${first.body.next}`, undefined, {
      cookie: h.admin,
    });
    expect(mixed.status).toBe(400);
  });

  it('keeps the summary and the Bayesian average (the prior: every product’s mean) without rescanning', async () => {
    const lampSum = lamp.reduce((s, r) => s + r.rating, 0);
    const s = await h.t.call('GET', '/api/reviews/products/LAMP/summary', undefined, { bearer: h.storeA.token });
    const { rows } = await h.ctx.db.query<{ n: number; sum: number }>(
      `SELECT count(*)::int AS n, sum(rating)::int AS sum FROM reviews WHERE status = 'APPROVED'`,
    );
    const mean = rows[0]!.sum / rows[0]!.n;
    expect(s.body).toMatchObject({
      sku: 'LAMP',
      count: lamp.length,
      histogram: [2, 1, 2, 3, 4],
      verified: 4,
      withPhotos: 0,
    });
    expect(s.body.average).toBeCloseTo(lampSum / lamp.length, 10);
    expect(s.body.bayesian).toBeCloseTo((BAYES_PRIOR_WEIGHT * mean + lampSum) / (BAYES_PRIOR_WEIGHT + lamp.length), 10);
    // a product with no review: zeros, the prior as its Bayesian average
    const none = await h.t.call('GET', '/api/reviews/products/OTHER/summary', undefined, { cookie: h.admin });
    expect(none.body).toMatchObject({ count: 0, average: 0, histogram: [0, 0, 0, 0, 0], revision: 0 });
    expect(none.body.bayesian).toBeCloseTo(mean, 10);
    // the stores hear of the changed products
    const dirty = await h.ctx.db.query<{ sku: string }>('SELECT sku FROM review_store_dirty ORDER BY sku');
    expect(dirty.rows.map((r) => r.sku)).toEqual(expect.arrayContaining(['LAMP', 'SHADE']));
  });

  it('answers hostile bodies, queries and ids with 4xx problem+json and changes nothing', async () => {
    const c = await customerAtA(h, 'Hostile Harry');
    const good = reviewBody(c.id, 'OTHER');
    const bodies: unknown[] = [
      { ...good, body: 'has a NUL \u0000 inside it' },
      { ...good, title: 'bell \u0007' },
      { ...good, title: 'line\nbreak' },
      { ...good, body: 'x'.repeat(5_001) },
      { ...good, body: '    short   ' },
      { ...good, title: 't'.repeat(121) },
      { ...good, body: 'lone \ud800 surrogate here' },
      { ...good, rating: 6 },
      { ...good, rating: 4.5 },
      { ...good, rating: '5' },
      { ...good, customerId: 'not-a-uuid' },
      { ...good, sku: 'bad sku!' },
      { ...good, extra: true },
      { ...good, photoIds: ['not-a-uuid'] },
      { ...good, client: { ip: '999.1.1.1' } },
      { ...good, client: { ip: '1.2.3.4', other: 1 } },
      [good],
      null,
      'text',
    ];
    const before = await reviewTables(h.ctx.db);
    for (const body of bodies) {
      const r = await h.t.call('POST', '/api/reviews', body, { cookie: h.admin });
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    const raw = await h.t.call('POST', '/api/reviews', undefined, { cookie: h.admin, rawBody: '{"customerId":' });
    expect(raw.status).toBe(400);
    const queries = ['limit=0', 'limit=51', 'limit=1e1', 'sort=best', 'rating=6', 'verified=yes', 'after=%00', 'x=1'];
    for (const q of queries)
      expect((await h.t.call('GET', `/api/reviews/products/LAMP?${q}`, undefined, { cookie: h.admin })).status, q).toBe(
        400,
      );
    expect((await h.t.call('GET', '/api/reviews/not-a-uuid', undefined, { cookie: h.admin })).status).toBe(404);
    expect(
      (await h.t.call('PUT', '/api/reviews/not-a-uuid', { ...good, sku: undefined }, { cookie: h.admin })).status,
    ).toBe(404);
    expect(
      (await h.t.call('DELETE', `/api/reviews/${lamp[0]!.id}?customerId=nope`, undefined, { cookie: h.admin })).status,
    ).toBe(400);
    expect((await h.t.call('GET', '/api/reviews/customers/nobody', undefined, { cookie: h.admin })).status).toBe(404);
    expect((await h.t.call('POST', '/api/reviews', good)).status).toBe(401);
    expect(await reviewTables(h.ctx.db)).toBe(before);
  });
});
