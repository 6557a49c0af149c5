import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { Bootstrapper } from '../../src/sync/bootstrap.js';
import { hubGetter } from '../../src/hub-link/hub-get.js';
import { upsertCatalog } from '../../src/catalog/catalog-sink.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const PRODUCTS = 12_000;

describe.each(dbTargets)('cold start from the hub on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.db.query(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       SELECT 'SKU-' || lpad(g::text, 6, '0'), NULL, 'Product ' || g, NULL, NULL, 'Test', 100 + g, 'USD', 'STANDARD', $1
       FROM generate_series(1, ${PRODUCTS}) g`,
      [Date.now()],
    );
  });
  afterAll(() => f?.stop());

  it('brings a new disk the catalog, its own history, then its feed', async () => {
    const old = await f.store('COLD');
    const storeId = f.credentials.get('COLD')!.storeId;
    old.sync.write((emit) => {
      for (let i = 0; i < 300; i++) emit('test.sale', { qty: 1 });
      old.pos.stock.moveAll(
        emit,
        [
          { sku: 'SKU-000001', delta: 10 },
          { sku: 'SKU-000002', delta: 4 },
        ],
        'RECEIVE',
        Date.now(),
      );
      old.pos.stock.move(emit, 'SKU-000001', -3, 'SALE', Date.now());
    });
    await waitFor('the old disk’s sales at the hub', () => old.sync.status().pendingUp === 0);
    await f.hub.db.transaction((tx) =>
      f.hub.sync.feed.append(
        tx,
        storeId,
        [1, 2, 3].map((i) => ({ type: 'test.note', payload: { i } })),
      ),
    );
    await waitFor('the old disk’s feed', () => old.sync.status().feedCursor === 3);
    await old.stop();

    const fresh = await f.store('COLD', { dbPath: join(f.dir, 'COLD-replacement.sqlite') }, false);
    fresh.sync.write((emit) => fresh.pos.stock.move(emit, 'SKU-000001', -1, 'SALE', Date.now())); // rung up before the hub answered
    await fresh.start();
    await waitFor('the bootstrap', () => fresh.sync.bootstrap!.progress().state === 'done', 60_000);
    const db = fresh.db;
    expect(db.prepare('SELECT count(*) AS n, min(sku) AS first, max(sku) AS last FROM catalog_products').get()).toEqual(
      {
        n: PRODUCTS,
        first: 'SKU-000001',
        last: `SKU-${String(PRODUCTS).padStart(6, '0')}`,
      },
    );
    expect(db.prepare('SELECT count(*) AS n, max(seq) AS last FROM sync_history').get()).toEqual({ n: 303, last: 303 });
    // stock as the hub counts it (10 - 3, 4), plus the sale this disk made before its bootstrap
    expect([fresh.pos.stock.onHand('SKU-000001'), fresh.pos.stock.onHand('SKU-000002')]).toEqual([6, 4]);
    // the feed replays after the snapshot (a type no section covers must not be skipped); this node parks test.note
    await waitFor('the feed replay', () => fresh.sync.status().feedCursor === 3);
    expect(fresh.sync.storage.parkedFeed().map((p) => p.seq)).toEqual([1, 2, 3]);
    expect(fresh.sync.bootstrap!.progress().sections).toEqual([
      { name: 'booking', rows: 0, total: 0, done: true },
      { name: 'catalog', rows: PRODUCTS, total: PRODUCTS, done: true },
      { name: 'deliveries', rows: 0, total: 0, done: true },
      { name: 'stock', rows: 2, total: 2, done: true },
      // one page of the store's pricing: the hub's signing key (issue #25)
      { name: 'pricing', rows: 1, total: 1, done: true },
      { name: 'holds', rows: 0, total: 0, done: true },
      { name: 'reviews', rows: 0, total: 0, done: true },
      // the store's lane roster as one row, empty here: who may sign in at its lanes (issue #27)
      { name: 'staff', rows: 1, total: 1, done: true },
      { name: 'tags', rows: 0, total: 0, done: true },
      { name: 'history', rows: 303, total: 303, done: true },
    ]);
    const status = (await (await fetch(`${fresh.url}/api/sync/status`)).json()) as { bootstrap: { state: string } };
    expect(status.bootstrap.state).toBe('done');
    // and new events from the replacement disk follow the old disk's
    fresh.sync.write((emit) => emit('test.sale', { qty: 5 }));
    await waitFor('the first sale of the new disk', async () => (await f.ledger(storeId)).count === 301);
    const hubOnHand = async () =>
      (
        await f.hub.db.query<{ on_hand: number }>(
          `SELECT on_hand FROM inventory_stock WHERE store_id = $1 AND sku = 'SKU-000001'`,
          [storeId],
        )
      ).rows[0]?.on_hand;
    await waitFor('the pre-bootstrap sale counted at the hub, once', async () => Number(await hubOnHand()) === 6);
  });

  it('resumes a bootstrap broken halfway from its last page', async () => {
    const node = await f.store('HALF', {}, false);
    let calls = 0;
    const hubGet = hubGetter(f.hubUrl, async () => {
      if (++calls === 3) throw new Error('network cable pulled'); // plan, page 1, then the break
      return node.hubLink.token();
    });
    const flaky = new Bootstrapper(node.db, hubGet, { info() {}, warn() {}, error() {} });
    flaky.sinks.set('catalog', upsertCatalog);
    await expect(flaky.run()).rejects.toThrow('network cable pulled');
    const halfway = flaky.progress().sections.find((s) => s.name === 'catalog')!;
    expect(halfway).toMatchObject({ rows: 5000, done: false });
    expect(node.db.prepare('SELECT count(*) AS n FROM catalog_products').get()).toEqual({ n: 5000 });

    await node.start(); // the node's own bootstrapper picks up where the broken one stopped
    await waitFor('the bootstrap', () => node.sync.bootstrap!.progress().state === 'done', 60_000);
    expect(node.sync.bootstrap!.progress().sections.find((s) => s.name === 'catalog')).toEqual({
      name: 'catalog',
      rows: PRODUCTS,
      total: PRODUCTS,
      done: true,
    });
    expect(node.db.prepare('SELECT count(*) AS n FROM catalog_products').get()).toEqual({ n: PRODUCTS });
  });
});
