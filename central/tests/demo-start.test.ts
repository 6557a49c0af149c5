import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../src/demo/run-demo.js';
import { sessionHeaders } from '../src/demo/demo-https.js';
import { waitFor } from './support/wait-for.js';

const METRICS_TOKEN = 'demo-test-metrics-token-0123456789';

/**
 * `npm start` as a person sees it (run-demo.ts is what demo.ts runs): it says what it waits for, and once it prints
 * the URLs every one of them answers at once; every product is on every store's shelves, pickups wait at each store,
 * and an order shipped from the distribution centre completes. The demo runs on its own embedded PGlite.
 */
describe('npm start (the demo)', () => {
  let demo: RunningDemo;
  const progress: string[] = [];
  let fetchedAtOnce: { url: string; status: number }[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'sf-demo-'));

  beforeAll(async () => {
    // The demo takes a port and the next ones for its stores. Below Linux's ephemeral range (32768–60999): a port
    // there can be any outgoing connection's own end (the other test worker's Postgres and hub clients), in use.
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    demo = await startDemo({
      stores: 2,
      port,
      dataDir,
      logLevel: 'silent',
      metricsToken: METRICS_TOKEN,
      childOutput: 'ignore',
      progress: (line) => progress.push(line),
    });
    // What a person does the moment the banner appears: open every address it printed (the hub's trusting its CA).
    const urls = [...new Set(demo.banner.match(/https?:\/\/127\.0\.0\.1:\d+[^\s)]*/g) ?? [])].filter(
      (u) => !u.endsWith('/api/auth/login'), // the sign-in is a POST (the curl line shows how)
    );
    const storePages = demo.stores.flatMap((s) =>
      ['/pos.html', '/kiosk.html', '/pickup.html', '/delivery.html', '/handheld.html', '/favicon.ico'].map(
        (p) => s.url + p,
      ),
    );
    fetchedAtOnce = await Promise.all(
      [...urls, ...storePages, `${demo.hubUrl}/favicon.ico`].map(async (url) => {
        const res = await (url.startsWith(demo.hubUrl) ? demo.hubFetch : fetch)(url, {
          headers: url.endsWith('/metrics') ? { authorization: `Bearer ${METRICS_TOKEN}` } : {},
        });
        await res.arrayBuffer();
        return { url, status: res.status };
      }),
    );
  }, 300_000);
  afterAll(() => demo?.stop(), 60_000);

  it('serves the hub over HTTPS with its own private CA, which the banner names and the store nodes pin', async () => {
    expect(demo.hubUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.banner).toContain(`Admin console:        ${demo.hubUrl}/console/`);
    expect(demo.caFile).toBe(join(dataDir, 'tls', 'ca.pem'));
    expect(demo.banner).toContain(`trust ${demo.caFile}`);
    expect(demo.banner).toMatch(/browser warns/);
    // a caller that does not trust the demo's CA is refused at the handshake: the CA is nobody else's
    const untrusted = await fetch(`${demo.hubUrl}/healthz`).then(
      () => 'answered',
      (err: Error) => String((err.cause as { code?: string } | undefined)?.code ?? err.message),
    );
    expect(untrusted).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    // the CA the hub gives at /tls/ca.pem is the file the banner names
    const served = await demo.hubFetch(`${demo.hubUrl}/tls/ca.pem`);
    expect(await served.text()).toBe(readFileSync(demo.caFile, 'utf8'));
    // the store nodes stay on plain HTTP on the loopback; their link to the hub is over TLS (they stocked through it)
    for (const s of demo.stores) expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const link = (await (await fetch(`${demo.stores[0]!.url}/healthz`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(link)).not.toMatch(/untrusted-certificate/);
  });

  it('gives each store a manager and two associates with lane PINs: the POS asks for one, and the printed PIN signs in', async () => {
    const s = demo.stores[0]!;
    const line = new RegExp(`^ {4}${s.code} {2}(.+)$`, 'm').exec(demo.banner)?.[1];
    expect(line, demo.banner).toBeDefined();
    const people = [...line!.matchAll(/([A-Z][a-z]+ [A-Z][a-z]+)( \(manager\))? (\d{4,6})/g)].map((m) => ({
      name: m[1]!,
      manager: !!m[2],
      pin: m[3]!,
    }));
    expect(people.map((p) => p.manager)).toEqual([true, false, false]);
    // the PINs are kept in the credentials file, owner-only
    expect(statSync(demo.secretsFile).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(demo.secretsFile, 'utf8')) as { staff: Record<string, { pin: string }[]> };
    expect(kept.staff[s.code]!.map((m) => m.pin)).toEqual(people.map((p) => p.pin));
    // the hub keeps hashes only
    const { rows } = await demo.hub.db.query('SELECT * FROM staff_pins');
    for (const p of people) expect(JSON.stringify(rows)).not.toContain(`"${p.pin}"`);

    const lane = 'sf_screen=pos; sf_lane=1';
    const call = async (method: string, path: string, body: unknown, cookie: string) => {
      const res = await fetch(`${s.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', cookie },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any, setCookie: res.headers.get('set-cookie') ?? '' };
    };
    // the roster reaches the node through its feed; from then on the lane asks for a PIN
    await waitFor(
      'the roster at the store',
      async () => ((await call('GET', '/api/staff/me', undefined, lane)).body.enforced ? true : undefined),
      60_000,
    );
    const refused = await call('POST', '/api/pos/sales', undefined, lane);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/PIN/);
    const signedIn = await call('POST', '/api/staff/sign-in', { pin: people[0]!.pin }, lane);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.person).toMatchObject({ name: people[0]!.name, role: 'STORE_MANAGER' });
    const staff = /sf_staff=[^;]+/.exec(signedIn.setCookie)![0];
    const sale = await call('POST', '/api/pos/sales', undefined, `${lane}; ${staff}`);
    expect(sale.status).toBe(201);
    // another store's person's PIN does not sign in here
    const other = new RegExp(`^ {4}${demo.stores[1]!.code} {2}.*? (\\d{4,6})(?: |$)`, 'm').exec(demo.banner)![1]!;
    // (a wrong PIN is answered 200 with signedIn false and the tries left: the pin pad shows them; store-node's routes)
    if (!people.some((p) => p.pin === other)) {
      const wrong = await call('POST', '/api/staff/sign-in', { pin: other }, 'sf_screen=pos; sf_lane=2');
      expect(wrong.status).toBe(200);
      expect(wrong.body).toMatchObject({ signedIn: false, reason: 'wrong-pin' });
    }
  });

  it('says what it waits for, and every URL it prints answers the moment it prints them', () => {
    expect(progress).toContain('starting 2 store nodes… 2 of 2 ready');
    expect(progress).toContain('stocking the stores (opening deliveries to the hub)… 2 of 2 stocked');
    expect(demo.banner).toContain('Storefleet is running.');
    for (const s of demo.stores) expect(demo.banner).toContain(`${s.url}/`);
    expect(fetchedAtOnce.length).toBeGreaterThanOrEqual(2 + 2 * 7);
    expect(fetchedAtOnce.filter((f) => f.status !== 200)).toEqual([]);
  });

  it('stocks every demo product at every demo store, in quantities that fit the product', async () => {
    const catalog = Number(
      (await demo.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM catalog_products')).rows[0]!.n,
    );
    expect(catalog).toBe(2000);
    for (const s of demo.stores) {
      const { rows } = await demo.hub.db.query<{ n: number; empty: number }>(
        'SELECT count(*)::int AS n, count(*) FILTER (WHERE on_hand <= 0)::int AS empty FROM inventory_stock WHERE store_id = $1',
        [s.storeId],
      );
      expect({ store: s.code, ...rows[0] }).toEqual({ store: s.code, n: catalog, empty: 0 });
      // a store shelves bottles of water by the dozen and a handful of kettles
      const { rows: byCategory } = await demo.hub.db.query<{ category: string; lo: number; hi: number }>(
        `SELECT c.category, min(s.on_hand)::int AS lo, max(s.on_hand)::int AS hi FROM inventory_stock s
         JOIN catalog_products c ON c.sku = s.sku WHERE s.store_id = $1 GROUP BY c.category`,
        [s.storeId],
      );
      const range = Object.fromEntries(byCategory.map((r) => [r.category, [r.lo, r.hi]]));
      expect(range.Beverages![0]).toBeGreaterThanOrEqual(20); // less the odd demo order's hold
      expect(range['Home & Kitchen']![1]).toBeLessThanOrEqual(6);
    }
  });

  it('prices products as a shop would: tea a few dollars, nothing in the pantry at $40', async () => {
    const { rows } = await demo.hub.db.query<{ name: string; category: string; price: number }>(
      'SELECT name, category, price_minor::int AS price FROM catalog_products',
    );
    const teas = rows.filter((r) => /\b(herbal|green|black|iced) tea\b/i.test(r.name));
    expect(teas.length).toBeGreaterThan(3);
    for (const t of teas) expect(t.price, t.name).toBeGreaterThanOrEqual(199);
    for (const t of teas) expect(t.price, t.name).toBeLessThanOrEqual(549);
    const dearGroceries = rows.filter(
      (r) => ['Pantry', 'Produce', 'Snacks', 'Dairy', 'Bakery'].includes(r.category) && r.price > 1299,
    );
    expect(dearGroceries).toEqual([]);
  });

  it('has pickups waiting at every store’s pickup desk, for shoppers a kiosk can find', async () => {
    for (const s of demo.stores) {
      const res = await fetch(`${s.url}/api/bopis/pickups?limit=100`);
      const { items } = (await res.json()) as { items: { status: string; customerRef: string }[] };
      expect(items.filter((p) => p.status === 'CONFIRMED').length, s.code).toBeGreaterThanOrEqual(2);
    }
    expect(demo.banner).toMatch(/Maria Gonzalez +card 29\d{14} {2}\+1 212 555 0110 {2}maria\.gonzalez@example\.com/);
    expect(demo.banner).toContain('Demo orders:          5 of 5 confirmed');
  });

  it('a store’s kiosk home page opens on head office’s featured products, not the first names of the alphabet', async () => {
    const home = (await (await fetch(`${demo.stores[0]!.url}/api/catalog/featured`)).json()) as {
      featured: { name: string; brand: string | null }[];
      bestSellers: unknown[];
    };
    expect(home.featured.length).toBeGreaterThanOrEqual(6);
    expect(home.bestSellers).toEqual([]); // a new store has sold nothing yet
    const names = home.featured.map((p) => p.name);
    expect(names).not.toEqual([...names].sort());
    expect(home.featured.some((p) => /Heinz|Kraft|Trader Joe's/.test(p.brand ?? ''))).toBe(true);
  });

  it('a demo shopper opens their cart at a store’s kiosk by the phone number or card the banner prints', async () => {
    const s = demo.stores[1]!;
    const card = /Aisha Khan +card (29\d{14})/.exec(demo.banner)![1]!;
    for (const who of ['+1 212 555 0112', card, 'aisha.khan@example.com']) {
      const res = await fetch(`${s.url}/api/kiosk/cart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: 'sf_screen=kiosk' },
        body: JSON.stringify({ who }),
      });
      expect(res.status, who).toBe(200);
      expect(((await res.json()) as { firstName: string }).firstName, who).toBe('Aisha');
    }
  });

  it('ships an order from the distribution centre: a new SHIP order is held there and completes', async () => {
    const admin = await demo.hubFetch(`${demo.hubUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demo.admin),
    });
    await admin.arrayBuffer();
    const session = sessionHeaders(admin); // the session cookie and its CSRF token, as the console sends them
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await demo.hubFetch(demo.hubUrl + path, {
        method,
        headers: { ...session, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const customer = (await call('POST', '/api/customers', { name: 'Ship Tester' })).body.id as string;
    const placed = await call('POST', '/api/orders', {
      customerId: customer,
      placeKey: 'demo-test-ship-order',
      lines: [
        { sku: 'SF-01500', qty: 3 },
        { sku: 'SF-00042', qty: 1 },
      ],
      fulfilment: { type: 'SHIP' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'CONFIRMED', fulfilment: { type: 'SHIP', locationId: demo.dcId } });
    const held = await demo.hub.db.query<{ reserved: number }>(
      'SELECT reserved::int FROM inventory_stock WHERE store_id = $1 AND sku = $2',
      [demo.dcId, 'SF-01500'],
    );
    expect(held.rows[0]!.reserved).toBeGreaterThanOrEqual(3);
  });

  it('brings deliveries to the door: carriers at every store, DELIVERY orders assigned, a bag handed over at the store’s desk reaches its door', async () => {
    expect(demo.banner).toContain(`Deliveries:           ${demo.hubUrl}/console/#/delivery`);
    expect(demo.banner).toContain('4 of 4 placed');
    const q = <T>(sql: string, params: unknown[] = []) => demo.hub.db.query<T>(sql, params).then((r) => r.rows);
    const carriers = await q<{ code: string; kind: string; grounded: boolean }>(
      'SELECT code, kind, grounded FROM delivery_carriers ORDER BY code',
    );
    expect(carriers.map((c) => c.code)).toEqual([
      'DRONE-S001-1',
      'DRONE-S001-2',
      'DSP-SWIFT',
      'GIG-0001',
      'GIG-0002',
      'GIG-0003',
      'VAN-DC1-1',
      'VAN-DC1-2',
      'VAN-S001-1',
      'VAN-S002-1',
    ]);
    expect(carriers.filter((c) => c.grounded).map((c) => c.code)).toEqual(['DRONE-S001-2']);
    // every demo delivery finds a carrier; its driver app drives to the store and waits for the desk
    const assigned = await waitFor(
      'the demo deliveries assigned',
      async () => {
        const rows = await q<{ id: string; order_number: string; store_id: string; status: string }>(
          'SELECT id, order_number, store_id, status FROM deliveries ORDER BY order_number',
        );
        return rows.length === 4 && rows.every((r) => r.status === 'ASSIGNED') ? rows : undefined;
      },
      90_000,
    );
    const first = assigned.find((d) => d.store_id === demo.stores[0]!.storeId)!;
    const store = demo.stores[0]!;
    const desk = await waitFor(
      'the bag on the store’s delivery desk',
      async () => {
        const r = await fetch(`${store.url}/api/delivery/${first.id}`);
        const body = (await r.json()) as { status?: string };
        return r.ok && body.status === 'ASSIGNED' ? body : undefined;
      },
      60_000,
    );
    expect(desk).toMatchObject({ orderNumber: first.order_number });
    const handed = await fetch(`${store.url}/api/delivery/${first.id}/hand-to-driver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `demo-test-${first.id}` },
      body: JSON.stringify({ driverName: 'Demo Driver' }),
    });
    expect(handed.status).toBe(200);
    const delivered = await waitFor(
      'the delivery at its door',
      async () => {
        const [d] = await q<{ status: string }>('SELECT status FROM deliveries WHERE id = $1', [first.id]);
        return d && ['DELIVERED', 'RETURNING', 'RETURNED'].includes(d.status) ? d.status : undefined;
      },
      150_000,
    );
    expect(['DELIVERED', 'RETURNING', 'RETURNED']).toContain(delivered);
    const positions = await q<{ n: number }>('SELECT count(*)::int AS n FROM delivery_positions');
    expect(positions[0]!.n).toBeGreaterThan(0);
  }, 300_000);

  it('the RFID floor drifts: a few tags missing or extra, and the handheld’s drift report shows them', async () => {
    const s = demo.stores[0]!;
    await expect
      .poll(
        async () => {
          const res = await fetch(`${s.url}/api/devices/rfid/report`);
          const body = (await res.json()) as { items?: { drift: number }[] };
          return (body.items ?? []).filter((i) => i.drift !== 0).length;
        },
        { timeout: 120_000, interval: 2000 },
      )
      .toBeGreaterThan(0);
  }, 150_000);
});
