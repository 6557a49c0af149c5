import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';
import { discoverModules } from '../src/index.js';
import type { HubModule } from '../src/kernel/module-contract.js';

// A module that only adds a console page: one folder, nothing else in the hub changes.
const helloModule: HubModule = {
  name: 'hello',
  console: {
    dir: new URL('./console-module/console/', import.meta.url),
    pages: [{ path: 'hello', title: 'Hello', script: 'hello.js' }],
  },
};

describe.each(dbTargets)('the admin console’s server side on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string; token: string };

  beforeAll(async () => {
    t = await TestHub.start(target, { modules: [...(await discoverModules()), helloModule], syncLagSampleMs: 200 });
    admin = await t.login();
    store = await t.store('CON1', admin);
  });
  afterAll(() => t?.stop());

  it('serves the shell to anyone and lists pages, a module’s own among them, to admins only', async () => {
    const shell = await fetch(`${t.url}/console/`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('<script type="module" src="/console/app.js">');
    expect((await fetch(`${t.url}/shared/dom.js`)).status).toBe(200);

    const pages = await t.call('GET', '/api/console/pages', undefined, { cookie: admin });
    expect(pages.body.items.map((p: { path: string }) => p.path)).toEqual([
      'fleet',
      'users',
      'workflow-incidents',
      'accounts',
      'booking',
      'product',
      'customers',
      'delivery',
      'delivery-carriers',
      'inventory',
      'incidents',
      'orders',
      'pricing',
      'promotions',
      'recommendations',
      'registry',
      'reservations',
      'reviews',
      'sales-overview',
      'sales',
      'staff-audit',
      'staff-pins',
      'tags',
      'vault',
      'vault-audit',
      'hello',
    ]);
    expect(pages.body.items.at(-1)).toEqual({
      path: 'hello',
      title: 'Hello',
      script: '/console/modules/hello/hello.js',
      module: 'hello',
      roles: ['ADMIN'],
    });
    const script = await fetch(`${t.url}/console/modules/hello/hello.js`);
    expect(await script.text()).toContain('hello from a module');

    expect((await t.call('GET', '/api/console/pages')).status).toBe(401);
    expect((await t.call('GET', '/api/console/pages', undefined, { bearer: store.token })).status).toBe(403);
  });

  it('samples sync lag; a store reads only its own, the fleet series is for admins', async () => {
    // The store never connected: once the sampler has run since it was registered, it is sampled offline (samples
    // from before it existed read as up to date), and the fleet count says so.
    const own = await waitFor('a lag sample showing the store offline', async () => {
      const r = await t.call('GET', `/api/sync/lag-history?storeId=${store.id}`, undefined, { bearer: store.token });
      return r.status !== 200 || r.body.items.at(-1)?.connected === false ? r : undefined;
    });
    expect(own.status).toBe(200);
    expect(own.body.items.at(-1)).toMatchObject({ connected: false, pendingUp: 0, feedLag: 0 });
    const fleet = await t.call('GET', '/api/sync/lag-history?minutes=5', undefined, { cookie: admin });
    expect(fleet.status).toBe(200);
    expect(fleet.body.items.length).toBeGreaterThan(0);
    expect(fleet.body.items.at(-1)).toMatchObject({ connected: 0, pendingUp: 0, feedLag: 0 });

    const other = await t.store('CON2', admin);
    expect(
      (await t.call('GET', `/api/sync/lag-history?storeId=${store.id}`, undefined, { bearer: other.token })).status,
    ).toBe(403);
    expect((await t.call('GET', '/api/sync/lag-history', undefined, { bearer: store.token })).status).toBe(403);
    const bad = await t.call('GET', '/api/sync/lag-history?minutes=0', undefined, { cookie: admin });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });

  it('pushes the fleet to a signed-in admin over the live socket, and turns a store token away', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/console/live`, { headers: { cookie: admin } });
    const heard: any[] = [];
    ws.on('message', (m) => heard.push(JSON.parse(String(m))));
    const hear = async (what: (m: any) => boolean) => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        const m = heard.find(what);
        if (m) return m;
      }
      throw new Error(`heard nothing like that; heard ${JSON.stringify(heard)}`);
    };
    const first = await hear(() => true);
    expect(first).toMatchObject({ type: 'fleet', complete: true });
    expect(first.items.map((s: { code: string }) => s.code)).toEqual(['CON1', 'CON2']);
    // A reservation at the store is a feed entry: the console hears "store changed"…
    await t.hub.db.query(`INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) VALUES ($1, 'CUP', 5, 1)`, [
      store.id,
    ]);
    const hold = await t.call(
      'POST',
      '/api/reservations',
      { storeId: store.id, customerRef: 'Sam', lines: [{ sku: 'CUP', qty: 1 }] },
      { cookie: admin },
    );
    expect(hold.status).toBe(201);
    expect(await hear((m) => m.type === 'store-changed')).toEqual({ type: 'store-changed', storeId: store.id });
    // …and then only what changed: CON1's feed lags by one entry; CON2 is not sent again.
    const diff = await hear((m) => m.type === 'fleet' && !m.complete);
    expect(diff).toMatchObject({ complete: false, items: [{ code: 'CON1', feedLag: 1 }] });
    expect(diff.items).toHaveLength(1);
    ws.close();

    // a store is refused at the upgrade: no socket opens
    const refused = new WebSocket(`${t.url.replace('http', 'ws')}/api/console/live`, {
      headers: { authorization: `Bearer ${store.token}` },
    });
    refused.on('error', () => undefined);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      refused.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode);
      });
      refused.once('open', () => reject(new Error('the console socket opened for a store token')));
      setTimeout(() => reject(new Error('no answer to the upgrade within 10 s')), 10_000).unref();
    });
    refused.terminate();
    expect(status).toBe(403);
  });
});
