import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const AT = {
  manhattan: { lat: 40.758, lon: -73.9855 },
  jersey: { lat: 40.7178, lon: -74.0431 },
  philly: { lat: 39.9526, lon: -75.1652 },
};

describe.each(dbTargets)('a store that sold offline what the hub promised, on $name', (target) => {
  let f: SyncFixture;
  let cookie: string;
  const ids: Record<string, string> = {};
  const nodes: Record<string, StoreNode> = {};

  const hub = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as any;
  };
  const at = (store: string, path: string, body?: unknown) =>
    fetch(nodes[store]!.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json() as Promise<any>);
  const sell = async (store: string, sku: string, qty: number) => {
    const sale = await at(store, '/api/pos/sales');
    await at(store, `/api/pos/sales/${sale.id}/lines`, { code: sku, qty });
    return at(store, `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 10_000_00 });
  };
  const reserved = async (store: string, sku: string) =>
    Number(
      (
        await f.hub.db.query<{ reserved: number }>(
          'SELECT reserved FROM inventory_stock WHERE store_id = $1 AND sku = $2',
          [ids[store], sku],
        )
      ).rows[0]?.reserved ?? 0,
    );

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.auth.createUser({
      email: 'ops@example.test',
      password: 'a long enough password',
      name: 'Ops',
      role: 'ADMIN',
    });
    cookie = `sf_session=${(await f.hub.auth.login('ops@example.test', 'a long enough password', 'test')).sessionToken}`;
    await f.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES
       ('TV-55', '55-inch TV', 'Electronics', 49900, 'USD', 'STANDARD', 1), ('RADIO', 'Radio', 'Electronics', 2900, 'USD', 'STANDARD', 1)`,
    );
    for (const [name, where] of Object.entries(AT)) {
      const reg = await f.hub.fleet.register({ code: name.toUpperCase(), name, kind: 'STORE', ...where });
      f.credentials.set(name.toUpperCase(), reg.credential!);
      ids[name] = reg.location.id;
      nodes[name] = await f.store(name.toUpperCase());
    }
    await waitFor('catalogs', () => Object.values(nodes).every((n) => n.sync.bootstrap!.progress().state === 'done'));
    await at('manhattan', '/api/stock/movements', { sku: 'TV-55', delta: 5, kind: 'RECEIVE' });
    await at('jersey', '/api/stock/movements', { sku: 'TV-55', delta: 5, kind: 'RECEIVE' });
    await at('manhattan', '/api/stock/movements', { sku: 'RADIO', delta: 2, kind: 'RECEIVE' });
    await waitFor(
      'stock at the hub',
      async () =>
        (await hub('GET', `/api/inventory/stores/${ids.jersey}/stock/TV-55`)).onHand === 5 &&
        (await hub('GET', `/api/inventory/stores/${ids.manhattan}/stock/RADIO`)).onHand === 2,
    );
  });
  afterAll(() => f?.stop());

  it('moves the promised units to the nearest store with stock, and cancels what nobody can cover', async () => {
    nodes.manhattan!.sync.client!.stop(); // Manhattan loses the hub and keeps selling
    const older = await hub('POST', '/api/reservations', {
      storeId: ids.manhattan,
      customerRef: 'Ana',
      lines: [{ sku: 'TV-55', qty: 3 }],
    });
    const newer = await hub('POST', '/api/reservations', {
      storeId: ids.manhattan,
      customerRef: 'Ben',
      lines: [{ sku: 'TV-55', qty: 2 }],
    });
    const radio = await hub('POST', '/api/reservations', {
      storeId: ids.manhattan,
      customerRef: 'Cy',
      lines: [{ sku: 'RADIO', qty: 2 }],
    });
    expect([older.status, newer.status, radio.status]).toEqual(['HELD', 'HELD', 'HELD']);
    expect((await sell('manhattan', 'TV-55', 4)).status).toBe('COMPLETED'); // the lanes sold 4 of the 5 TVs offline
    expect((await sell('manhattan', 'RADIO', 2)).status).toBe('COMPLETED'); // and both radios, which only Manhattan had

    nodes.manhattan!.sync.client!.start();
    await waitFor(
      'both incidents repaired',
      async () => (await hub('GET', '/api/inventory/incidents?status=REPAIRED')).items.length === 2,
      20_000,
    );
    const incidents = (await hub('GET', '/api/inventory/incidents')).items as any[];
    const tv = incidents.find((i) => i.sku === 'TV-55');
    expect(tv).toMatchObject({ storeId: ids.manhattan, onHand: 1, reserved: 5, short: 4, status: 'REPAIRED' });
    // Newest first: Ben's 2 move to Jersey City (6.5 km), then Ana's 3 (Jersey City still has 3).
    expect(tv.resolution.actions.map((a: any) => [a.reservationId, a.action, a.toStoreId])).toEqual([
      [newer.id, 'RESOURCED', ids.jersey],
      [older.id, 'RESOURCED', ids.jersey],
    ]);
    const radioIncident = incidents.find((i) => i.sku === 'RADIO');
    expect(radioIncident.resolution.actions).toEqual([
      { reservationId: radio.id, action: 'CANCELLED', notice: expect.stringMatching(/no store within 50 km/) },
    ]);
    expect((await hub('GET', `/api/reservations/${older.id}`)).storeId).toBe(ids.jersey);
    expect((await hub('GET', `/api/reservations/${radio.id}`)).status).toBe('RELEASED');
    expect(await reserved('manhattan', 'TV-55')).toBe(0);
    expect(await reserved('jersey', 'TV-55')).toBe(5);
    // Jersey City's lanes learn of the holds through their feed; Manhattan's drop them.
    await waitFor('the moved holds at Jersey City', () =>
      nodes.jersey!.bopis.search('Ana', 10).some((r) => r.id === older.id && r.status === 'HELD'),
    );
    await waitFor('Manhattan to drop them', () => {
      const bens = nodes.manhattan!.bopis.search('Ben', 10);
      return bens.length === 1 && bens[0]!.status === 'RELEASED';
    });
  });
});
