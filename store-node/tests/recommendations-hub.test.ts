import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const target = dbTargets.at(-1)!;
const ADMIN = { email: 'recs-store-admin@example.test', password: 'a long enough password' };
const PRODUCTS = [
  { sku: 'MILK', name: 'Whole milk 1 l', category: 'Dairy', priceMinor: 129, taxClass: 'STANDARD' },
  { sku: 'BREAD', name: 'Sourdough loaf', category: 'Bakery', priceMinor: 350, taxClass: 'STANDARD' },
  { sku: 'JAM', name: 'Strawberry jam', category: 'Pantry', priceMinor: 279, taxClass: 'STANDARD' },
];

/**
 * Issue #21 from the kiosk to the hub and back, on a real hub and a linked store: a signed-in customer's product views
 * at the kiosk reach the hub as their VIEW interactions at this store (the session id the store's own, never the
 * page's token), and after a training run the store's feed brings its top list, which the kiosk then answers from.
 */
describe(`kiosk recommendations with a hub (${target.name})`, () => {
  let f: SyncFixture;
  let store: StoreNode;
  let storeId: string;
  let cookie: string;
  let ana: { id: string };

  const hubCall = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  /** The store's API as a kiosk screen calls it, keeping the cart session's cookie. */
  let kioskCookie = '';
  const storeCall = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(store.url + path, {
      method,
      headers: { cookie: kioskCookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie');
    if (set) kioskCookie = set.split(';')[0]!;
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    const dataDir = target.name === 'pglite' ? mkdtempSync(join(tmpdir(), 'sf-recs-hub-')) : undefined;
    f = await SyncFixture.start(target, dataDir ? { dataDir } : {});
    await f.hub.auth.createUser({ ...ADMIN, name: 'Recs admin', role: 'ADMIN' });
    cookie = `sf_session=${(await f.hub.auth.login(ADMIN.email, ADMIN.password, 'test')).sessionToken}`;
    expect((await hubCall('POST', '/api/catalog/products/import', { items: PRODUCTS })).status).toBeLessThan(300);
    store = await f.store('RECS1', { name: 'Quay Road' });
    storeId = f.credentials.get('RECS1')!.storeId;
    await waitFor('the catalog at the store', () => store.pos.repo.product('JAM', undefined));
    for (const p of PRODUCTS)
      expect((await storeCall('POST', '/api/stock/movements', { sku: p.sku, delta: 10, kind: 'RECEIVE' })).status).toBe(
        201,
      );
    ana = (await hubCall('POST', '/api/customers', { name: 'Ana Lopes', email: 'ana.recs@example.test' })).body;
  }, 180_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('a signed-in customer’s kiosk views reach the hub as theirs; a training run’s list reaches the kiosk', async () => {
    expect((await storeCall('POST', '/api/kiosk/cart', { who: 'ana.recs@example.test' })).body.firstName).toBe('Ana');
    const session = 'kiosk-session-ana-000001';
    for (const sku of ['MILK', 'BREAD'])
      expect((await storeCall('POST', '/api/kiosk/views', { sku, session })).body).toEqual({ recorded: true });
    // up through the outbox to the hub: VIEW interactions of Ana at this store, from the kiosk
    const rows = await waitFor('the views at the hub', async () => {
      const { rows } = await f.hub.db.query<{
        customer_id: string | null;
        session_id: string;
        sku: string;
        kind: string;
        store_id: string;
        source: string;
      }>(
        "SELECT customer_id, session_id, sku, kind, store_id, source FROM recs_interactions WHERE source = 'kiosk' ORDER BY sku",
      );
      return rows.length === 2 ? rows : undefined;
    });
    expect(rows.map((r) => [r.sku, r.kind, r.customer_id, r.store_id])).toEqual([
      ['BREAD', 'VIEW', ana.id, storeId],
      ['MILK', 'VIEW', ana.id, storeId],
    ]);
    expect(rows[0]!.session_id).toBe(rows[1]!.session_id);
    expect(rows[0]!.session_id).not.toContain(session);
    // an anonymous screen's view (no cart open) is nobody's
    await storeCall('DELETE', '/api/kiosk/cart');
    await storeCall('POST', '/api/kiosk/views', { sku: 'JAM', session: 'kiosk-session-anon-00001' });
    const jam = await waitFor('the anonymous view at the hub', async () => {
      const { rows } = await f.hub.db.query<{ customer_id: string | null }>(
        "SELECT customer_id FROM recs_interactions WHERE source = 'kiosk' AND sku = 'JAM'",
      );
      return rows[0];
    });
    expect(jam.customer_id).toBeNull();

    // Nothing to recommend before a model; after a training run, the store's own list through its feed.
    expect((await storeCall('GET', '/api/recommendations')).body).toEqual({ modelVersion: null, items: [] });
    expect((await hubCall('POST', '/api/recommendations/models/train', {})).status).toBe(202);
    const answer = await waitFor(
      'the store’s list at the store',
      async () => {
        const a = (await storeCall('GET', '/api/recommendations?limit=10')).body;
        return a.modelVersion ? a : undefined;
      },
      120_000,
    );
    const top = await hubCall('GET', `/api/recommendations/stores/${storeId}/top`);
    expect(top.status).toBe(200);
    expect(answer.modelVersion).toBe(top.body.modelVersion);
    expect(answer.items.map((i: { sku: string }) => i.sku)).toEqual(
      top.body.items.map((i: { sku: string }) => i.sku).slice(0, 10),
    );
    expect(answer.items.length).toBeGreaterThan(0);
    for (const item of answer.items) expect(item.reason).toMatch(/^Popular /);
  }, 240_000);
});
