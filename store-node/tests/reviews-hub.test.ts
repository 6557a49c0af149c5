import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { recountAtHub, reviewAtHub } from './support/reviews-at-hub.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const target = dbTargets.at(-1)!;

/**
 * Issue #24 from the hub to the store: reviews approved at the hub reach a linked store through its feed after the
 * `reviews.store-feed` job runs (every 500 ms here), and the store's `GET /api/reviews/:sku` answers them; a later
 * summary replaces, count 0 removes; a store starting cold gets every product with reviews in its bootstrap.
 */
describe(`reviews at the store with a hub (${target.name})`, () => {
  let f: SyncFixture;
  let store: StoreNode;
  const get = async (node: StoreNode, sku: string) => {
    const res = await fetch(`${node.url}/api/reviews/${sku}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    f = await SyncFixture.start(target, { tuning: { reviewsFeedEveryMs: 500 } });
    store = await f.store('REV1', { name: 'Quay Road' });
  }, 180_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('approved reviews reach the store through the feed; a later summary replaces; count 0 removes', async () => {
    await reviewAtHub(f, { sku: 'COFFEE', rating: 5, title: 'Best beans', response: 'Thank you! — Acme' });
    await reviewAtHub(f, { sku: 'COFFEE', rating: 1, title: 'Waiting', status: 'MANUAL_REVIEW' });
    const first = await waitFor(
      'COFFEE at the store',
      async () => {
        const r = await get(store, 'COFFEE');
        return r.status === 200 ? r.body : undefined;
      },
      60_000,
    );
    expect(first).toMatchObject({ sku: 'COFFEE', count: 1, average: 5, histogram: [0, 0, 0, 0, 1] });
    expect(first.top).toEqual([
      expect.objectContaining({
        title: 'Best beans',
        rating: 5,
        author: 'Ana P.',
        verified: true,
        response: 'Thank you! — Acme',
      }),
    ]);

    await reviewAtHub(f, { sku: 'COFFEE', rating: 3, title: 'Fine' });
    const second = await waitFor(
      'the second summary at the store',
      async () => {
        const r = await get(store, 'COFFEE');
        return r.body.count === 2 ? r.body : undefined;
      },
      60_000,
    );
    expect(second.revision).toBeGreaterThan(first.revision);
    expect(second.histogram).toEqual([0, 0, 1, 0, 1]);

    await f.hub.db.query("UPDATE reviews SET status = 'DELETED' WHERE sku = 'COFFEE'");
    await recountAtHub(f, ['COFFEE']);
    await waitFor(
      'COFFEE gone at the store',
      async () => ((await get(store, 'COFFEE')).status === 404 ? true : undefined),
      60_000,
    );
  }, 240_000);

  it('a store starting cold gets every product with reviews from its bootstrap', async () => {
    await reviewAtHub(f, { sku: 'JAM', rating: 4, title: 'Tasty' });
    await reviewAtHub(f, { sku: 'TEA', rating: 2, title: 'Weak' });
    await waitFor(
      'the feed job ran',
      async () => {
        const { rows } = await f.hub.db.query(
          'SELECT 1 FROM review_store_dirty UNION ALL SELECT 1 FROM review_store_feeding',
        );
        return rows.length === 0 ? true : undefined;
      },
      60_000,
    );
    // registered after the entries were written: only its cold start brings them
    const fresh = await f.store('REV2', { name: 'Mill Lane' });
    const jam = await waitFor(
      'JAM at the new store',
      async () => {
        const r = await get(fresh, 'JAM');
        return r.status === 200 ? r.body : undefined;
      },
      60_000,
    );
    expect(jam).toMatchObject({ sku: 'JAM', count: 1, top: [expect.objectContaining({ title: 'Tasty' })] });
    expect((await get(fresh, 'TEA')).body).toMatchObject({ count: 1, histogram: [0, 1, 0, 0, 0] });
    expect((await get(fresh, 'COFFEE')).status).toBe(404);
    const { rows } = await f.hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_feed f JOIN locations l ON l.id = f.store_id
       WHERE l.code = 'REV2' AND f.type = 'reviews.products'`,
    );
    expect(rows[0]!.n).toBe(0);
  }, 240_000);
});
