import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { customerAtA, reviewBody, reviewsHub } from './reviews-harness.js';

const SKUS = Array.from({ length: 16 }, (_, i) => `LIM-${i}`);

// Issue #24, lane A: 5 writes of one product's review per customer in 30 days, 10 new reviews a day, clear 429s.
describe.each(dbTargets)('reviews: rate limits on $name', (target) => {
  const h = reviewsHub(target, SKUS);

  it('counts a submit, its edits and a deleted review toward 5 writes of one product, then answers 429 with Retry-After', async () => {
    const c = await customerAtA(h, 'Lim Writer');
    const first = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'LIM-0'), { cookie: h.admin });
    expect(first.status).toBe(201);
    const edit = (n: number) =>
      h.t.call(
        'PUT',
        `/api/reviews/${first.body.id}`,
        { customerId: c.id, rating: 3, title: `edit ${n}`, body: `Edited text number ${n}, still fine.` },
        { cookie: h.admin },
      );
    h.t.clock.offsetMs += 60_000;
    expect((await edit(1)).status).toBe(200);
    expect((await edit(2)).status).toBe(200);
    expect(
      (await h.t.call('DELETE', `/api/reviews/${first.body.id}?customerId=${c.id}`, undefined, { cookie: h.admin }))
        .status,
    ).toBe(204);
    const second = await h.t.call('POST', '/api/reviews', reviewBody(c.id, 'LIM-0'), { cookie: h.admin });
    expect(second.status).toBe(201); // the 4th write
    const fifth = await h.t.call(
      'PUT',
      `/api/reviews/${second.body.id}`,
      { customerId: c.id, rating: 5, title: 'five', body: 'The fifth write of this product.' },
      { cookie: h.admin },
    );
    expect(fifth.status).toBe(200);

    const sixth = await h.t.call(
      'PUT',
      `/api/reviews/${second.body.id}`,
      { customerId: c.id, rating: 1, title: 'six', body: 'The sixth write is one too many.' },
      { cookie: h.admin },
    );
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('content-type')).toContain('application/problem+json');
    expect(sixth.body.detail).toContain('5 reviews of one product in 30 days');
    // the oldest counted write (the first submit) leaves the window 30 days after it was made, 60 s ago
    const retry = Number(sixth.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(30 * 86_400 - 60 - 30);
    expect(retry).toBeLessThanOrEqual(30 * 86_400 - 60 + 1);
    expect(sixth.body.retryAfterSeconds).toBe(retry);
    const still = await h.t.call('GET', `/api/reviews/${second.body.id}`, undefined, { cookie: h.admin });
    expect([still.body.title, still.body.revision]).toEqual(['five', 2]);

    // once the first write has left the window, one more is allowed
    h.t.clock.offsetMs += retry * 1000;
    await h.signIn();
    const later = await h.t.call(
      'PUT',
      `/api/reviews/${second.body.id}`,
      { customerId: c.id, rating: 1, title: 'six', body: 'The sixth write, a month later.' },
      { cookie: h.admin },
    );
    expect(later.status).toBe(200);
  });

  it('lets exactly 10 of 15 parallel submits of one customer through in a day; the rest get 429 naming the limit', async () => {
    const c = await customerAtA(h, 'Burst Writer');
    const answers = await Promise.all(
      SKUS.slice(1, 16).map((sku) =>
        h.t.call('POST', '/api/reviews', reviewBody(c.id, sku), { bearer: h.storeA.token }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array(10).fill(201), ...Array(5).fill(429)]);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.body.detail).toContain('10 new reviews in a day');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(86_400 - 120);
    }
    const { rows } = await h.ctx.db.query('SELECT count(*)::int AS n FROM reviews WHERE customer_id = $1', [c.id]);
    expect(rows[0]).toEqual({ n: 10 });
    const own = await h.t.call('GET', `/api/reviews/customers/${c.id}`, undefined, { cookie: h.admin });
    expect(own.body.reviews).toHaveLength(10);

    // a day later the customer may write again
    h.t.clock.offsetMs += 86_400_000 + 1_000;
    await h.signIn();
    const refusedSku = SKUS.slice(1, 16).find((_, i) => answers[i]!.status === 429)!;
    const next = await h.t.call('POST', '/api/reviews', reviewBody(c.id, refusedSku), { cookie: h.admin });
    expect(next.status).toBe(201);
  });
});
