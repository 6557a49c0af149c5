import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';
import type { SqliteDb } from '../src/db/open-sqlite.js';
import { ReorderSuggestions } from '../src/stock/reorder-suggestions.js';
import { FeedHandlerRegistry } from '../src/sync/feed-handlers.js';

describe.each(dbTargets)('the hub’s reorder suggestions at the store, on $name', (target) => {
  let f: SyncFixture;
  let node: StoreNode;
  const call = async (method: string, path: string, body?: unknown) =>
    (
      await fetch(node.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json() as Promise<any>;

  beforeAll(async () => {
    f = await SyncFixture.start(target, { tuning: { lowStockSweepMs: 300 } });
    await f.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ('SOAP', 'Soap', 'Household', 199, 'USD', 'STANDARD', 1)`,
    );
    node = await f.store('SUDS');
    await waitFor('the catalog', () => node.sync.bootstrap!.progress().state === 'done');
  });
  afterAll(() => f?.stop());

  it('arrive through the feed when the store sells down to its reorder point, and go when it restocks', async () => {
    await call('POST', '/api/stock/movements', { sku: 'SOAP', delta: 10, kind: 'RECEIVE' });
    const sale = await call('POST', '/api/pos/sales');
    await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'SOAP', qty: 9 });
    await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 100_00 });
    // 9 sold in four weeks, 3 days' lead time: reorder at 1, order up to ⌈9/28 × 10⌉ = 4, so 3 more
    const items = await waitFor('the suggestion at the store', async () => {
      const list = (await call('GET', '/api/stock/reorder-suggestions')).items;
      return list.length ? list : undefined;
    });
    expect(items).toEqual([expect.objectContaining({ sku: 'SOAP', onHand: 1, reorderPoint: 1, suggestedQty: 3 })]);
    await call('POST', '/api/stock/movements', { sku: 'SOAP', delta: 12, kind: 'RECEIVE' });
    await waitFor(
      'the suggestion withdrawn',
      async () => (await call('GET', '/api/stock/reorder-suggestions')).items.length === 0,
    );
    expect(node.sync.storage.parkedFeed()).toEqual([]);
  });
});

describe('reorder suggestions resent after a feed rebase', () => {
  const open = () => {
    const db = new Database(':memory:');
    db.exec(readFileSync(new URL('../src/stock/schema/002_reorder_suggestions.sql', import.meta.url), 'utf8'));
    const handlers = new FeedHandlerRegistry();
    const suggestions = new ReorderSuggestions(db as unknown as SqliteDb);
    suggestions.register(handlers);
    const apply = (seq: number, type: string, payload: unknown, createdAt: number) =>
      handlers.get(type)!(db as unknown as SqliteDb, { seq, type, payload, createdAt });
    return { suggestions, apply };
  };
  const low = (suggestedQty: number) => ({
    sku: 'SOAP',
    onHand: 1,
    reorderPoint: 2,
    suggestedQty,
    velocityPerDay: 0.5,
  });

  it('keep the newer suggestion when an older one arrives again', () => {
    const { suggestions, apply } = open();
    apply(1, 'inventory.low-stock', low(3), 1_000);
    apply(2, 'inventory.low-stock', low(7), 2_000);
    apply(3, 'inventory.low-stock', low(3), 1_000); // entry 1, renumbered and resent
    expect(suggestions.list(10)).toEqual([expect.objectContaining({ sku: 'SOAP', suggestedQty: 7, raisedAt: 2_000 })]);
  });

  it('let an old restock notice clear only what it postdates', () => {
    const { suggestions, apply } = open();
    apply(1, 'inventory.restocked', { sku: 'SOAP' }, 1_500);
    apply(2, 'inventory.low-stock', low(7), 2_000);
    apply(3, 'inventory.restocked', { sku: 'SOAP' }, 1_500); // resent
    expect(suggestions.list(10)).toEqual([expect.objectContaining({ suggestedQty: 7 })]);
    apply(4, 'inventory.restocked', { sku: 'SOAP' }, 2_500);
    expect(suggestions.list(10)).toEqual([]);
  });
});
