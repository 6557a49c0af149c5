import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

describe.each(dbTargets)('BOPIS pickup at the store on $name', (target) => {
  let f: SyncFixture;
  let cookie: string;
  let store: StoreNode;
  let storeId: string;

  const hubCall = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const storeCall = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(store.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const reserve = async (sku: string, qty: number) =>
    (await hubCall('POST', '/api/reservations', { storeId, customerRef: 'Dana Smith', lines: [{ sku, qty }] })).body;
  const stock = async (sku: string) =>
    (
      await f.hub.db.query<{ on_hand: number; reserved: number }>(
        'SELECT on_hand, reserved FROM inventory_stock WHERE store_id = $1 AND sku = $2',
        [storeId, sku],
      )
    ).rows[0];

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.auth.createUser({
      email: 'web@example.test',
      password: 'a long enough password',
      name: 'Web',
      role: 'ADMIN',
    });
    cookie = `sf_session=${(await f.hub.auth.login('web@example.test', 'a long enough password', 'test')).sessionToken}`;
    await f.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       VALUES ('KETTLE', 'Kettle', 'Home', 3000, 'USD', 'STANDARD', 1), ('TOASTER', 'Toaster', 'Home', 2500, 'USD', 'STANDARD', 1)`,
    ); // the hub counts stock only for skus its catalog holds
    store = await f.store('BOPIS');
    storeId = f.credentials.get('BOPIS')!.storeId;
    store.sync.write((emit) => {
      emit('stock.moved', { sku: 'KETTLE', delta: 10, kind: 'RECEIVE' });
      emit('stock.moved', { sku: 'TOASTER', delta: 4, kind: 'RECEIVE' });
    });
    await waitFor('stock at the hub', async () => (await stock('TOASTER'))?.on_hand === 4);
    await waitFor('the pickup key', () => store.bopis.publicKey() !== undefined);
  });
  afterAll(() => f?.stop());

  it('hands a pickup over while the hub is unreachable, and the hub agrees afterwards', async () => {
    const r = await reserve('KETTLE', 2);
    await waitFor('the hold in the store’s list', async () =>
      (await storeCall('GET', '/api/bopis/pickups?q=Dana')).body.items.some((i: { id: string }) => i.id === r.id),
    );
    store.sync.client!.stop(); // the network goes down
    const verified = await storeCall('POST', '/api/bopis/pickups/verify', { code: r.pickupCode });
    expect(verified.body).toMatchObject({ id: r.id, lines: [{ sku: 'KETTLE', qty: 2 }] });
    const handed = await storeCall('POST', `/api/bopis/pickups/${r.id}/hand-over`);
    expect(handed.body.status).toBe('FULFILLED');
    expect((await hubCall('GET', `/api/reservations/${r.id}`)).body.status).toBe('HELD'); // the hub does not know yet
    store.sync.client!.start();
    await waitFor(
      'the hub to see the pickup',
      async () => (await hubCall('GET', `/api/reservations/${r.id}`)).body.status === 'FULFILLED',
    );
    expect(await stock('KETTLE')).toEqual({ on_hand: 8, reserved: 0 });
    const again = await storeCall('POST', `/api/bopis/pickups/${r.id}/hand-over`);
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(`reservation ${r.id} was already handed over`);
  });

  it('honours a valid code whose reservation never reached the store', async () => {
    store.sync.client!.stop();
    const r = await reserve('TOASTER', 1); // its feed entry cannot arrive: the store is offline
    expect((await storeCall('GET', `/api/bopis/pickups?q=${r.id.slice(0, 13)}`)).body.items).toEqual([]);
    expect((await storeCall('POST', '/api/bopis/pickups/verify', { code: r.pickupCode })).status).toBe(200);
    expect((await storeCall('POST', `/api/bopis/pickups/${r.id}/hand-over`)).body.status).toBe('FULFILLED');
    store.sync.client!.start();
    await waitFor(
      'the hub to see the pickup',
      async () => (await hubCall('GET', `/api/reservations/${r.id}`)).body.status === 'FULFILLED',
    );
    expect(await stock('TOASTER')).toEqual({ on_hand: 3, reserved: 0 });
  });

  it('refuses forged, altered and foreign codes', async () => {
    const r = await reserve('TOASTER', 1);
    const [prefix, payload, signature] = r.pickupCode.split('.');
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const altered = `${prefix}.${Buffer.from(JSON.stringify({ ...claim, l: [['TOASTER', 3]] })).toString('base64url')}.${signature}`;
    const refused = await storeCall('POST', '/api/bopis/pickups/verify', { code: altered });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toBe('pickup code is forged or altered');
    expect((await storeCall('POST', '/api/bopis/pickups/verify', { code: 'SF1.bm9wZQ.bm9wZQ' })).body.detail).toBe(
      'not a pickup code',
    );

    const other = await f.store('OTHER');
    await waitFor('the other store’s key', () => other.bopis.publicKey() !== undefined);
    const foreign = await (
      await fetch(`${other.url}/api/bopis/pickups/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: r.pickupCode }),
      })
    ).json();
    expect((foreign as { detail: string }).detail).toBe('pickup code is for another store');
  });

  it('releases the hold when the store marks a no-show', async () => {
    const before = (await stock('KETTLE'))!;
    const r = await reserve('KETTLE', 3);
    await waitFor(
      'the hold at the store',
      async () => (await storeCall('GET', `/api/bopis/pickups?q=${r.id.slice(0, 13)}`)).body.items.length === 1,
    );
    expect((await storeCall('POST', `/api/bopis/pickups/${r.id}/no-show`)).body.status).toBe('NO_SHOW');
    await waitFor(
      'the hub to release it',
      async () => (await hubCall('GET', `/api/reservations/${r.id}`)).body.status === 'RELEASED',
    );
    expect(await stock('KETTLE')).toEqual(before);
  });
});
