import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { REVIEWS_FEED_JOB } from '../store-feed.js';
import { clipWords } from '../store-feed.js';
import { StoreFeedHub } from './store-feed-fixture.js';

/**
 * Issue #24, the stores' copy at the hub: the `reviews.store-feed` job sends each store the products whose approved
 * reviews changed (summary, Bayesian average, top reviews) and clears them; a product with none left goes as count 0;
 * a product changed while a run sends stays for the next run; a new store's cold start pages every product.
 */
describe.each(dbTargets)('reviews store feed ($name)', (target) => {
  let h: StoreFeedHub;
  let stores: string[];
  const DAY = 86_400_000;

  beforeAll(async () => {
    h = await StoreFeedHub.start(target);
    stores = await h.stores(3);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('schedules the job at the configured period', async () => {
    const { rows } = await h.db.query<{ every_ms: string }>('SELECT every_ms FROM job_schedules WHERE name = $1', [
      REVIEWS_FEED_JOB,
    ]);
    expect(rows.map((r) => Number(r.every_ms))).toEqual([h.ctx.settings.tuning.reviewsFeedEveryMs]);
  });

  it('a run feeds each store one entry with the changed products and clears the dirty list', async () => {
    const t0 = h.ctx.now() - 10 * DAY;
    const long = `${'Lovely smooth roast and a rich crema. '.repeat(30)}End.`;
    await h.review(
      { sku: 'COFFEE', rating: 5, title: 'Best beans', body: long, helpful: 9, verified: true, createdAt: t0 },
      {
        sku: 'COFFEE',
        rating: 4,
        title: 'Good',
        helpful: 2,
        createdAt: t0 + DAY,
        response: 'Thanks! <b>Acme</b>',
        author: 'Bo K.',
      },
      { sku: 'COFFEE', rating: 1, title: 'Stale', helpful: 2, createdAt: t0 + 2 * DAY },
      { sku: 'COFFEE', rating: 2, title: 'Meh', helpful: 0, createdAt: t0 + 3 * DAY },
      { sku: 'COFFEE', rating: 5, title: 'Hidden', status: 'MANUAL_REVIEW', helpful: 50 },
      { sku: 'TEA', rating: 3, title: 'Fine' },
    );
    expect(await h.dirty()).toEqual(['COFFEE', 'TEA']);

    expect(await h.parts.storeFeed.run()).toEqual({ products: 2, stores: 3 });
    expect(await h.dirty()).toEqual([]);
    const fed = await h.fed();
    expect([...fed.keys()].sort()).toEqual([...stores].sort());
    for (const id of stores) expect(fed.get(id)!.length).toBe(1);
    const products = fed.get(stores[0]!)![0]!.products;
    expect(products.map((p) => p.sku).sort()).toEqual(['COFFEE', 'TEA']);
    const coffee = products.find((p) => p.sku === 'COFFEE')!;
    // 4 approved: 5, 4, 1, 2 → mean 3; the catalog's mean (with tea's 3) is 3: the Bayesian average 3 too
    expect(coffee).toMatchObject({ count: 4, average: 3, bayesian: 3, histogram: [1, 1, 0, 1, 1] });
    expect(coffee.revision).toBeGreaterThanOrEqual(1);
    // the top 3 by helpful then newest; the one waiting for a moderator never
    expect(coffee.top.map((r: { title: string }) => r.title)).toEqual(['Best beans', 'Stale', 'Good']);
    const best = coffee.top[0];
    expect(best.body.length).toBeLessThanOrEqual(600);
    expect(best.body.endsWith('crema.…') || best.body.endsWith('…')).toBe(true);
    expect(long.startsWith(best.body.slice(0, -1))).toBe(true);
    expect(best.body.at(-2)).not.toBe(' ');
    expect(best).toMatchObject({ rating: 5, verified: true, helpful: 9, author: 'Ana P.', response: null });
    expect(coffee.top[2]).toMatchObject({ author: 'Bo K.', response: 'Thanks! <b>Acme</b>' });
    expect(Object.keys(best).sort()).toEqual(
      ['author', 'body', 'createdAt', 'helpful', 'id', 'rating', 'response', 'title', 'verified'].sort(),
    );
    // nothing changed since: a second run sends nothing
    expect(await h.parts.storeFeed.run()).toEqual({ products: 0, stores: 0 });
  });

  it('the Bayesian average pulls a product with few reviews toward the catalog’s mean', async () => {
    await h.review({ sku: 'JAM', rating: 5 });
    await h.parts.storeFeed.run();
    const jam = [...(await h.fed()).get(stores[0]!)!].at(-1)!.products.find((p) => p.sku === 'JAM')!;
    // catalog: coffee 5,4,1,2 + tea 3 + jam 5 = 20 / 6; (10 · 20/6 + 5) / 11
    expect(jam.average).toBe(5);
    expect(jam.bayesian).toBeCloseTo((10 * (20 / 6) + 5) / 11, 2);
  });

  it('a product with none approved left is sent with count 0 and no reviews; a vote re-sends at a higher revision', async () => {
    const before = (await h.fed()).get(stores[1]!)!.flatMap((e) => e.products);
    const teaBefore = before.filter((p) => p.sku === 'TEA').at(-1)!;
    const { rows } = await h.db.query<{ id: string }>("SELECT id::text AS id FROM reviews WHERE sku = 'TEA'");
    await h.setStatus(rows[0]!.id, 'DELETED');
    expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    const tea = (await h.fed()).get(stores[1]!)!.at(-1)!.products;
    expect(tea).toEqual([
      expect.objectContaining({ sku: 'TEA', count: 0, average: 0, bayesian: 0, histogram: [0, 0, 0, 0, 0], top: [] }),
    ]);
    expect(tea[0].revision).toBeGreaterThan(teaBefore.revision);

    // a vote changes the top reviews, not the summary: sent again, newer
    const coffeeBefore = before.filter((p) => p.sku === 'COFFEE').at(-1)!;
    const meh = coffeeBefore.top.length; // three shown; "Meh" was fourth
    expect(meh).toBe(3);
    const { rows: m } = await h.db.query<{ id: string }>("SELECT id::text AS id FROM reviews WHERE title = 'Meh'");
    await h.vote(m[0]!.id, 100);
    await h.parts.storeFeed.run();
    const coffee = (await h.fed()).get(stores[2]!)!.at(-1)!.products[0];
    expect(coffee.sku).toBe('COFFEE');
    expect(coffee.revision).toBeGreaterThan(coffeeBefore.revision);
    expect(coffee.top[0].title).toBe('Meh');
  });

  it('a product changed while a run sends stays dirty for the next run', async () => {
    await h.review({ sku: 'MILK', rating: 4 });
    // the change lands after the run took MILK, before it clears: as a concurrent review write would (its own
    // transaction, between the run's claim and its first batch of stores)
    const db = h.db as unknown as { transaction: (fn: unknown) => Promise<unknown> };
    const transaction = db.transaction.bind(db);
    let calls = 0;
    db.transaction = async (fn) => {
      if (++calls === 2) await h.review({ sku: 'MILK', rating: 2 });
      return transaction(fn);
    };
    try {
      expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    } finally {
      db.transaction = transaction;
    }
    expect(calls).toBeGreaterThan(2);
    expect(await h.dirty()).toEqual(['MILK']);
    expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    expect(await h.dirty()).toEqual([]);
    const milk = (await h.fed()).get(stores[0]!)!.at(-1)!.products[0];
    expect(milk).toMatchObject({ sku: 'MILK', count: 2, histogram: [0, 1, 0, 1, 0] });
  });

  it('two runs at once (the job and a direct call) send a product once', async () => {
    await h.review({ sku: 'SUGAR', rating: 3 });
    const both = await Promise.all([h.parts.storeFeed.run(), h.parts.storeFeed.run()]);
    expect(both).toEqual([
      { products: 1, stores: 3 },
      { products: 0, stores: 0 },
    ]);
    const sugar = (await h.fed()).get(stores[0]!)!.filter((e) => e.products.some((p) => p.sku === 'SUGAR'));
    expect(sugar.length).toBe(1);
  });

  it('a run that died midway leaves its products to the next run', async () => {
    await h.review({ sku: 'BREAD', rating: 4 });
    const feedMany = h.ctx.feed.appendMany.bind(h.ctx.feed);
    (h.ctx.feed as { appendMany: typeof feedMany }).appendMany = async () => {
      throw new Error('the database went away');
    };
    try {
      await expect(h.parts.storeFeed.run()).rejects.toThrow('the database went away');
    } finally {
      (h.ctx.feed as { appendMany: typeof feedMany }).appendMany = feedMany;
    }
    expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    expect((await h.fed()).get(stores[0]!)!.at(-1)!.products[0]).toMatchObject({ sku: 'BREAD', count: 1 });
  });

  it('cold start: every product with approved reviews, in sku order, pages through', async () => {
    const boot = h.parts.storeFeed.bootstrap();
    expect(await boot.count(h.db, stores[0]!)).toBe(5); // BREAD, COFFEE, JAM, MILK, SUGAR (TEA has none left)
    const rows: any[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await boot.page(h.db, stores[0]!, after, 3);
      rows.push(...page.rows);
      after = page.next;
      pages++;
    } while (after !== null && pages < 10);
    expect(rows.map((r) => r.sku)).toEqual(['BREAD', 'COFFEE', 'JAM', 'MILK', 'SUGAR']);
    // at the revision each was last sent with: what the store already holds is not replaced by an older copy
    const fed = (await h.fed()).get(stores[0]!)!.flatMap((e) => e.products);
    for (const r of rows) {
      const last = fed.filter((p) => p.sku === r.sku).at(-1)!;
      expect(r.revision).toBe(last.revision);
      expect(r.count).toBe(last.count);
    }
    await expect(boot.page(h.db, stores[0]!, 'x'.repeat(300), 10)).rejects.toThrow(/sku/);
  });
});

describe('clipping a review for a kiosk card', () => {
  it('cuts on a word boundary with an ellipsis, within the limit', () => {
    expect(clipWords('short', 600)).toBe('short');
    expect(clipWords('one two three four', 12)).toBe('one two…');
    expect(clipWords('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
    const emoji = `${'a'.repeat(8)}😀😀`;
    const clipped = clipWords(emoji, 10);
    expect(clipped.length).toBeLessThanOrEqual(10);
    expect(clipped).toBe(`${'a'.repeat(8)}…`);
  });
});
