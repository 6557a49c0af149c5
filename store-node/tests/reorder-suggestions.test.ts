import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

process.env.SF_REPLENISH_MS = '300'; // read when the hub loads its modules

describe.each(dbTargets)('the hub’s reorder suggestions at the store, on $name', (target) => {
  let f: SyncFixture;
  let node: StoreNode;
  const call = async (method: string, path: string, body?: unknown) =>
    (await fetch(node.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json() as Promise<any>;

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.db.query(`INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ('SOAP', 'Soap', 'Household', 199, 'USD', 'STANDARD', 1)`);
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
    await waitFor('the suggestion withdrawn', async () => (await call('GET', '/api/stock/reorder-suggestions')).items.length === 0);
    expect(node.sync.storage.parkedFeed()).toEqual([]);
  });
});
