import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { recountAtHub, reviewAtHub } from './support/reviews-at-hub.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const target = dbTargets.at(-1)!;

/**
 * Issue #24 from the hub to the store (review D1, D10): reviews approved at the hub reach a linked store after the
 * `reviews.store-feed` job runs (every 500 ms here) — a `reviews.changed` notice in its feed, then a pull of the
 * products changed since the store's revision — and the store's `GET /api/reviews/:sku` answers them; a later summary
 * replaces, a tombstone removes, also for a store that missed every notice; a store pulls at start, retries while the
 * hub is unreachable and catches up once it is back; a store starting cold gets the copy from its bootstrap.
 */
describe(`reviews at the store with a hub (${target.name})`, () => {
  let f: SyncFixture;
  let store: StoreNode;
  const get = async (node: StoreNode, sku: string) => {
    const res = await fetch(`${node.url}/api/reviews/${sku}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const jobRan = () =>
    waitFor(
      'the feed job ran',
      async () => {
        const { rows } = await f.hub.db.query(
          'SELECT 1 FROM review_store_dirty UNION ALL SELECT 1 FROM review_store_feeding',
        );
        return rows.length === 0 ? true : undefined;
      },
      60_000,
    );
  const newest = async () => {
    const { rows } = await f.hub.db.query<{ r: string }>(
      'SELECT coalesce(max(revision), 0)::text AS r FROM review_store_products',
    );
    return Number(rows[0]!.r);
  };

  beforeAll(async () => {
    f = await SyncFixture.start(target, { tuning: { reviewsFeedEveryMs: 500 } });
    store = await f.store('REV1', { name: 'Quay Road' });
  }, 180_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('approved reviews reach the store by notice and pull; a later summary replaces; a tombstone removes', async () => {
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
        as: 'Acme',
      }),
    ]);
    // the store's feed holds notices only, never the payloads
    const { rows: types } = await f.hub.db.query<{ type: string }>(
      `SELECT DISTINCT f.type FROM sync_feed f JOIN locations l ON l.id = f.store_id
       WHERE l.code = 'REV1' AND f.type LIKE 'reviews.%'`,
    );
    expect(types.map((r) => r.type)).toEqual(['reviews.changed']);

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
    await waitFor(
      'the store at the hub’s revision',
      async () => store.reviews.status().revision === (await newest()) || undefined,
      60_000,
    );
  }, 240_000);

  it('a store that missed every notice while away drops a product a tombstone names and takes the new ones', async () => {
    await reviewAtHub(f, { sku: 'HONEY', rating: 4, title: 'Sweet' });
    await waitFor(
      'HONEY at the store',
      async () => ((await get(store, 'HONEY')).status === 200 ? true : undefined),
      60_000,
    );
    await store.stop();
    await f.hub.db.query("UPDATE reviews SET status = 'DELETED' WHERE sku = 'HONEY'");
    await recountAtHub(f, ['HONEY']);
    await reviewAtHub(f, { sku: 'OATS', rating: 2, title: 'Bland' });
    await jobRan();
    // the notices it would have heard are gone (a feed skip): only its own pull at start brings the changes
    await f.hub.db.query(
      `DELETE FROM sync_feed WHERE type = 'reviews.changed'
         AND store_id = (SELECT id FROM locations WHERE code = 'REV1')`,
    );
    store = await f.store('REV1', { name: 'Quay Road' });
    await waitFor(
      'HONEY gone at the store',
      async () => ((await get(store, 'HONEY')).status === 404 ? true : undefined),
      60_000,
    );
    expect((await get(store, 'OATS')).body).toMatchObject({ count: 1, histogram: [0, 1, 0, 0, 0] });
  }, 240_000);

  it('a pull the hub cannot answer at start is retried with backoff until it succeeds', async () => {
    await store.stop();
    await reviewAtHub(f, { sku: 'RICE', rating: 5, title: 'Fluffy' });
    await jobRan();
    // the hub answers the pull with an error (as when it is unreachable: the same failed pull) until the table is back
    await f.hub.db.query('ALTER TABLE review_store_products RENAME TO review_store_products_away');
    try {
      store = await f.store('REV1', { name: 'Quay Road' });
      await waitFor('a failed pull', async () => (store.reviews.status().lastError ? true : undefined), 60_000);
      expect((await get(store, 'RICE')).status).toBe(404);
    } finally {
      await f.hub.db.query('ALTER TABLE review_store_products_away RENAME TO review_store_products');
    }
    await waitFor(
      'RICE at the store',
      async () => ((await get(store, 'RICE')).status === 200 ? true : undefined),
      90_000,
    );
    expect(store.reviews.status()).toMatchObject({ lastError: null });
  }, 240_000);

  it('a store starting cold gets the copy from its bootstrap, tombstones too, and goes on from its last row', async () => {
    await reviewAtHub(f, { sku: 'JAM', rating: 4, title: 'Tasty' });
    await reviewAtHub(f, { sku: 'TEA', rating: 2, title: 'Weak' });
    await jobRan();
    // registered after the notices were written: only its cold start (and its own pull) brings them
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
    expect((await get(fresh, 'HONEY')).status).toBe(404);
    const hub = await newest();
    await waitFor(
      'the new store at the hub’s revision',
      async () => fresh.reviews.status().revision === hub || undefined,
      60_000,
    );
  }, 240_000);
});
