import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { clipWords, REVIEWS_FEED_JOB } from '../store-feed.js';
import { StoreFeedHub } from './store-feed-fixture.js';

/**
 * Issue #24, the stores' copy at the hub (review D1, D10, D19, D21): the `reviews.store-feed` job builds the products
 * whose approved reviews changed (summary, Bayesian average, top reviews) ONCE at the hub, each at a new revision of
 * one growing sequence, and broadcasts one small `reviews.changed {revision}` notice per store; stores pull the rows
 * after their revision in revision order, tombstones (count 0) included; a product changed while a run works stays
 * for the next run; a new store's cold start is the same pull from 0.
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

  it('a run keeps each changed product once at the hub and writes one small notice per store', async () => {
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
    // the copy once at the hub: one row per product, not one per store
    const { rows: kept } = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM review_store_products');
    expect(kept[0]!.n).toBe(2);
    // each store: one notice naming the newest revision, no payloads in the feed
    const notices = await h.notices();
    expect([...notices.keys()].sort()).toEqual([...stores].sort());
    const pulled = await h.pullAll();
    for (const id of stores) expect(notices.get(id)).toEqual([pulled.revision]);
    const { rows: feed } = await h.db.query<{ type: string; bytes: number }>(
      'SELECT type, octet_length(payload::text)::int AS bytes FROM sync_feed',
    );
    expect(feed.map((r) => r.type)).toEqual(['reviews.changed', 'reviews.changed', 'reviews.changed']);
    for (const r of feed) expect(r.bytes).toBeLessThan(64);

    const products = pulled.products;
    expect(products.map((p) => p.sku).sort()).toEqual(['COFFEE', 'TEA']);
    expect(products[0].revision).toBeLessThan(products[1].revision);
    const coffee = products.find((p) => p.sku === 'COFFEE')!;
    // 4 approved: 5, 4, 1, 2 → mean 3; the catalog's mean (with tea's 3) is 3: the Bayesian average 3 too
    expect(coffee).toMatchObject({ count: 4, average: 3, bayesian: 3, histogram: [1, 1, 0, 1, 1] });
    // the top 3 by helpful then newest; the one waiting for a moderator never
    expect(coffee.top.map((r: { title: string }) => r.title)).toEqual(['Best beans', 'Stale', 'Good']);
    const best = coffee.top[0];
    expect(best.body.length).toBeLessThanOrEqual(600);
    expect(best.body.endsWith('…')).toBe(true);
    expect(long.startsWith(best.body.slice(0, -1))).toBe(true);
    expect(best.body.at(-2)).not.toBe(' ');
    expect(best).toMatchObject({ rating: 5, verified: true, helpful: 9, author: 'Ana P.', response: null, as: null });
    // who answered goes with the answer (D21): the kiosk says "Response from Acme"
    expect(coffee.top[2]).toMatchObject({ author: 'Bo K.', response: 'Thanks! <b>Acme</b>', as: 'Acme' });
    expect(Object.keys(best).sort()).toEqual(
      ['as', 'author', 'body', 'createdAt', 'helpful', 'id', 'rating', 'response', 'title', 'verified'].sort(),
    );
    // nothing changed since: a second run sends nothing
    expect(await h.parts.storeFeed.run()).toEqual({ products: 0, stores: 0 });
    expect((await h.notices()).get(stores[0]!)!.length).toBe(1);
  });

  it('the Bayesian average pulls a product with few reviews toward the catalog’s mean', async () => {
    await h.review({ sku: 'JAM', rating: 5 });
    await h.parts.storeFeed.run();
    const jam = (await h.copy()).get('JAM')!;
    // catalog: coffee 5,4,1,2 + tea 3 + jam 5 = 20 / 6; (10 · 20/6 + 5) / 11
    expect(jam.average).toBe(5);
    expect(jam.bayesian).toBeCloseTo((10 * (20 / 6) + 5) / 11, 2);
  });

  it('a product with none approved left stays as a tombstone a pull after an older revision still gets', async () => {
    const before = await h.copy();
    const teaBefore = before.get('TEA')!;
    const from = (await h.pullAll()).revision; // a store that is up to date now
    const { rows } = await h.db.query<{ id: string }>("SELECT id::text AS id FROM reviews WHERE sku = 'TEA'");
    await h.setStatus(rows[0]!.id, 'DELETED');
    expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    const since = await h.pullAll(from);
    expect(since.products).toEqual([
      expect.objectContaining({ sku: 'TEA', count: 0, average: 0, bayesian: 0, histogram: [0, 0, 0, 0, 0], top: [] }),
    ]);
    expect(since.products[0].revision).toBeGreaterThan(teaBefore.revision);
    // a store that missed the notice (or any number of them) and pulls from 0 gets the tombstone too (D10)
    expect((await h.copy()).get('TEA')).toMatchObject({ count: 0, revision: since.products[0].revision });
    // the notice names the newest revision
    expect((await h.notices()).get(stores[1]!)!.at(-1)).toBe(since.revision);
  });

  it('a product no store was ever sent gets no tombstone', async () => {
    await h.review({ sku: 'GHOST', rating: 1, status: 'MANUAL_REVIEW' });
    expect(await h.dirty()).toEqual(['GHOST']);
    expect(await h.parts.storeFeed.run()).toEqual({ products: 0, stores: 0 });
    expect((await h.copy()).has('GHOST')).toBe(false);
    expect(await h.dirty()).toEqual([]);
  });

  it('a vote that reorders the top reviews gets a new revision; votes that leave them as they were get none', async () => {
    const coffeeBefore = (await h.copy()).get('COFFEE')!;
    expect(coffeeBefore.top.length).toBe(3); // "Meh" was fourth
    const { rows: m } = await h.db.query<{ id: string }>("SELECT id::text AS id FROM reviews WHERE title = 'Meh'");
    await h.vote(m[0]!.id, 100);
    expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    const coffee = (await h.copy()).get('COFFEE')!;
    expect(coffee.revision).toBeGreaterThan(coffeeBefore.revision);
    expect(coffee.top[0].title).toBe('Meh');
    // votes that leave the top three and their order as they were: no revision, no notice (D1: not every vote)
    const notices = (await h.notices()).get(stores[0]!)!.length;
    await h.vote(m[0]!.id, 100);
    expect(await h.parts.storeFeed.run()).toEqual({ products: 0, stores: 0 });
    await h.vote(m[0]!.id, 140);
    const { rows: b } = await h.db.query<{ id: string }>(
      "SELECT id::text AS id FROM reviews WHERE title = 'Best beans'",
    );
    await h.vote(b[0]!.id, 12);
    expect(await h.parts.storeFeed.run()).toEqual({ products: 0, stores: 0 });
    expect((await h.copy()).get('COFFEE')!.revision).toBe(coffee.revision);
    expect((await h.notices()).get(stores[0]!)!.length).toBe(notices);
    // one that reorders them does
    await h.vote(b[0]!.id, 150);
    expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    const again = (await h.copy()).get('COFFEE')!;
    expect(again.top.map((r: { title: string }) => r.title)).toEqual(['Best beans', 'Meh', 'Stale']);
    expect(again.top[0].helpful).toBe(150);
  });

  it('the top reviews tie as the product list does: helpful, newest, then id descending (D19)', async () => {
    const at = h.ctx.now() - DAY;
    const ids = await h.review(
      { sku: 'TIE', rating: 4, title: 'One', helpful: 1, createdAt: at },
      { sku: 'TIE', rating: 4, title: 'Two', helpful: 1, createdAt: at },
      { sku: 'TIE', rating: 4, title: 'Three', helpful: 1, createdAt: at },
      { sku: 'TIE', rating: 4, title: 'Four', helpful: 1, createdAt: at },
    );
    await h.parts.storeFeed.run();
    const top = (await h.copy()).get('TIE')!.top.map((r: { id: string }) => r.id);
    expect(top).toEqual([...ids].sort().reverse().slice(0, 3));
  });

  it('a product changed while a run works stays dirty for the next run', async () => {
    await h.review({ sku: 'MILK', rating: 4 });
    // the change lands after the run took MILK, before it writes: as a concurrent review write would (its own
    // transaction, between the run's claim and its write)
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
    // the next run takes it again (here the first had read it after the change: nothing new to show)
    expect(await h.parts.storeFeed.run()).toEqual({ products: 0, stores: 0 });
    expect(await h.dirty()).toEqual([]);
    expect((await h.copy()).get('MILK')).toMatchObject({ sku: 'MILK', count: 2, histogram: [0, 1, 0, 1, 0] });
  });

  it('two runs at once (the job and a direct call) write a product once', async () => {
    await h.review({ sku: 'SUGAR', rating: 3 });
    const from = (await h.pullAll()).revision;
    const both = await Promise.all([h.parts.storeFeed.run(), h.parts.storeFeed.run()]);
    expect(both).toEqual([
      { products: 1, stores: 3 },
      { products: 0, stores: 0 },
    ]);
    expect((await h.pullAll(from)).products.map((p) => p.sku)).toEqual(['SUGAR']);
  });

  it('a run that died midway changes nothing and leaves its products to the next run', async () => {
    await h.review({ sku: 'BREAD', rating: 4 });
    const from = (await h.pullAll()).revision;
    const notices = (await h.notices()).get(stores[0]!)!.length;
    const broadcast = h.ctx.feed.broadcast.bind(h.ctx.feed);
    (h.ctx.feed as { broadcast: typeof broadcast }).broadcast = async () => {
      throw new Error('the database went away');
    };
    try {
      await expect(h.parts.storeFeed.run()).rejects.toThrow('the database went away');
    } finally {
      (h.ctx.feed as { broadcast: typeof broadcast }).broadcast = broadcast;
    }
    expect((await h.pullAll(from)).products).toEqual([]);
    expect(await h.parts.storeFeed.run()).toEqual({ products: 1, stores: 3 });
    expect((await h.pullAll(from)).products).toEqual([expect.objectContaining({ sku: 'BREAD', count: 1 })]);
    expect((await h.notices()).get(stores[0]!)!.length).toBe(notices + 1);
  });

  it('pages in revision order: a small limit walks every row once, `more` until the newest', async () => {
    const all = await h.pullAll(0, 500);
    expect(all.pages).toBe(1);
    const paged = await h.pullAll(0, 2);
    expect(paged.products).toEqual(all.products);
    expect(paged.revision).toBe(all.revision);
    expect(paged.pages).toBe(Math.ceil(all.products.length / 2));
    const revisions = all.products.map((p) => p.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(all.products.map((p) => p.sku)).size).toBe(all.products.length);
    // caught up: an empty page at the newest revision
    expect(await h.parts.storeFeed.page(h.db, all.revision, 10)).toEqual({
      products: [],
      revision: all.revision,
      more: false,
    });
  });

  it('cold start: the section is the pull from 0, tombstones included, and refuses a cursor that is not one', async () => {
    const boot = h.parts.storeFeed.bootstrap();
    const all = await h.pullAll();
    expect(await boot.count(h.db, stores[0]!)).toBe(all.products.length);
    const rows: any[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await boot.page(h.db, stores[0]!, after, 3);
      rows.push(...page.rows);
      after = page.next;
      pages++;
    } while (after !== null && pages < 20);
    expect(rows).toEqual(all.products);
    expect(rows.find((r) => r.sku === 'TEA')).toMatchObject({ count: 0 });
    for (const bad of ['x'.repeat(300), 'abc', '-1', '1\u00002'])
      await expect(boot.page(h.db, stores[0]!, bad, 10)).rejects.toThrow(/revision/);
  });

  it('GET /api/reviews/store-products: a store’s credential or head office pulls; bad input is 4xx', async () => {
    const admin = await h.t.login();
    const store = await h.t.store('RV-PULL', admin);
    const all = await h.pullAll();
    const byStore = await h.t.call('GET', '/api/reviews/store-products?after=0&limit=500', undefined, {
      bearer: store.token,
    });
    expect(byStore.status).toBe(200);
    expect(byStore.body).toEqual({ products: all.products, revision: all.revision, more: false });
    const byAdmin = await h.t.call('GET', '/api/reviews/store-products?limit=2', undefined, { cookie: admin });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({ products: all.products.slice(0, 2), more: true });
    expect(byAdmin.body.revision).toBe(all.products[1].revision);
    expect((await h.t.call('GET', '/api/reviews/store-products')).status).toBe(401);
    for (const q of [
      'after=-1',
      'after=abc',
      'after=1%002',
      `after=${'9'.repeat(40)}`,
      'limit=0',
      'limit=100000',
      'limit=x',
      'after=1&after=2',
      'sku=COFFEE',
    ]) {
      const r = await h.t.call('GET', `/api/reviews/store-products?${q}`, undefined, { bearer: store.token });
      expect([q, r.status]).toEqual([q, 400]);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
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
