import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const product = (sku: string, priceMinor: number) => ({
  sku,
  name: `Product ${sku}`,
  category: 'Grocery',
  priceMinor,
  taxClass: 'REDUCED',
});

describe.each(dbTargets)('catalog and price changes reach every store, on $name', (target) => {
  let f: SyncFixture;
  let cookie: string;
  let north: StoreNode;
  let south: StoreNode;

  const hub = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const price = (node: StoreNode, sku: string) =>
    (
      node.db.prepare('SELECT price_minor FROM catalog_products WHERE sku = ?').get(sku) as
        | { price_minor: number }
        | undefined
    )?.price_minor;
  const feedRows = async (storeCode: string) =>
    (
      await f.hub.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sync_feed WHERE store_id = $1 AND type = 'catalog.changed'`,
        [f.credentials.get(storeCode)!.storeId],
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.auth.createUser({
      email: 'merch@example.test',
      password: 'a long enough password',
      name: 'Merch',
      role: 'ADMIN',
    });
    cookie = `sf_session=${(await f.hub.auth.login('merch@example.test', 'a long enough password', 'test')).sessionToken}`;
    expect(
      (await hub('POST', '/api/catalog/products/import', { items: [product('MILK', 129), product('BREAD', 249)] }))
        .status,
    ).toBe(200);
    await f.hub.fleet.register({ code: 'DC-1', name: 'Distribution centre', kind: 'DC', lat: 41, lon: -75 });
    north = await f.store('NORTH');
    south = await f.store('SOUTH');
    await waitFor('both cold starts', () => [north, south].every((n) => n.sync.bootstrap!.progress().state === 'done'));
  });
  afterAll(() => f?.stop());

  it('a price change at the hub reaches an online store within seconds, and its till charges the new price', async () => {
    expect(price(north, 'MILK')).toBe(129);
    expect(
      (
        await hub('PUT', '/api/catalog/products/MILK', {
          name: 'Milk 1 l',
          category: 'Grocery',
          priceMinor: 139,
          taxClass: 'REDUCED',
        })
      ).status,
    ).toBe(200);
    await waitFor('the new price at the store', () => price(north, 'MILK') === 139);
    const sale = north.pos.open();
    north.pos.add(sale.id, 'MILK', 2);
    expect((await north.pos.tender(sale.id, { kind: 'CASH', givenMinor: 1000 })).subtotalMinor).toBe(278);
    expect(north.catalog!.status()).toMatchObject({ version: north.catalog!.status().wanted, lastError: null });
  });

  it('a store that was offline during several changes catches up on reconnect, ending at the hub’s version', async () => {
    await south.stop();
    await hub('PUT', '/api/catalog/products/BREAD', {
      name: 'Bread',
      category: 'Bakery',
      priceMinor: 299,
      taxClass: 'REDUCED',
    });
    await hub('POST', '/api/catalog/products/import', {
      items: Array.from({ length: 1500 }, (_, i) => product(`NEW-${String(i).padStart(4, '0')}`, 100 + i)),
    });
    await hub('PUT', '/api/catalog/products/BREAD', {
      name: 'Bread',
      category: 'Bakery',
      priceMinor: 279,
      taxClass: 'REDUCED',
    });
    const back = await f.store('SOUTH');
    await waitFor(
      'the changes at the reconnected store',
      () => price(back, 'BREAD') === 279 && price(back, 'NEW-1499') === 1599,
    );
    const { rows } = await f.hub.db.query<{ n: number; v: number }>(
      'SELECT count(*)::int AS n, max(version) AS v FROM catalog_products',
    );
    expect(back.db.prepare('SELECT count(*) AS n, max(version) AS v FROM catalog_products').get()).toEqual({
      n: rows[0]!.n,
      v: Number(rows[0]!.v),
    });
    expect(
      (back.db.prepare("SELECT category FROM catalog_products WHERE sku = 'BREAD'").get() as { category: string })
        .category,
    ).toBe('Bakery');
  });

  it('an import costs each store one small feed entry, not one per product, and distribution centres get none', async () => {
    const before = await feedRows('NORTH');
    await hub('POST', '/api/catalog/products/import', {
      items: Array.from({ length: 300 }, (_, i) => product(`BULK-${i}`, 500)),
    });
    expect(await feedRows('NORTH')).toBe(before + 1);
    const dc = (
      await f.hub.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sync_feed f JOIN locations l ON l.id = f.store_id WHERE l.kind = 'DC'`,
      )
    ).rows[0]!.n;
    expect(dc).toBe(0);
    await waitFor('the bulk import at the store', () => price(north, 'BULK-299') === 500);
  });

  it('a refused change (a GTIN already taken) reaches no store and moves no version', async () => {
    await hub('PUT', '/api/catalog/products/MILK', {
      gtin: '4006381333931',
      name: 'Milk 1 l',
      category: 'Grocery',
      priceMinor: 139,
      taxClass: 'REDUCED',
    });
    const before = await feedRows('NORTH');
    const clash = await hub('PUT', '/api/catalog/products/BREAD', {
      gtin: '4006381333931',
      name: 'Bread',
      category: 'Bakery',
      priceMinor: 1,
      taxClass: 'REDUCED',
    });
    expect(clash.status).toBe(409);
    expect(await feedRows('NORTH')).toBe(before);
    expect((await hub('GET', '/api/catalog/products/BREAD')).body.priceMinor).toBe(279);
  });
});
