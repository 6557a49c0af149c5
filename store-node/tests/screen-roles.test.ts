import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { decideAccess, KIOSK_REFUSAL, PICKUP_REFUSAL, POS_REFUSAL } from '../src/access/screen-policy.js';
import { STAFF_WAY_BACK } from '../src/access/screen-guard.js';
import { MARK_FROM_BACK_OFFICE, MARK_FROM_OWN_PAGES } from '../src/access/screen-marker.js';
import { storeNodeConfigFromEnv } from '../src/config.js';
import { rawCall } from '../../central/tests/support/raw-http.js';

const KIOSK = 'sf_screen=kiosk';
/** A screen marker as the node sets it: survives a restart of the browser (400 days), httpOnly, sameSite strict, path /. */
const KEPT_400_DAYS = (nameValue: string) =>
  new RegExp(`^${nameValue}; Max-Age=34560000; Path=/; Expires=[^;]+ GMT; HttpOnly; SameSite=Strict$`);
/** The kiosk marker set by opening /kiosk.html: no Max-Age or Expires, so gone when the browser closes. */
const FOR_THE_SESSION = (nameValue: string) => new RegExp(`^${nameValue}; Path=/; HttpOnly; SameSite=Strict$`);
const CUSTOMER = '0190a4b2-7c4d-7e1f-8a2b-3c4d5e6f7a8b';

const request = async (
  base: string,
  method: string,
  path: string,
  opts: { cookie?: string; token?: string; body?: unknown; accept?: string; headers?: Record<string, string> } = {},
) => {
  const res = await fetch(base + path, {
    method,
    redirect: 'manual',
    headers: {
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.accept ? { accept: opts.accept } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* a page */
  }
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    csp: res.headers.get('content-security-policy'),
    setCookie: res.headers.get('set-cookie'),
    text,
    body,
  };
};

/** What a page shows: its body's text, tags and spacing dropped. */
const visibleText = (html: string) =>
  html
    .replace(/^[\s\S]*<body>|<\/body>[\s\S]*$/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const tempDb = (prefix: string) => join(mkdtempSync(join(tmpdir(), prefix)), 'store.sqlite');

/** A started node whose catalog has one product, MUG (what a kiosk searches and puts in a cart). */
const startNodeWithMug = async (
  prefix: string,
  config: Partial<Parameters<typeof createStoreNode>[0]> = {},
): Promise<StoreNode> => {
  const node = createStoreNode({ dbPath: tempDb(prefix), port: 0, logLevel: 'silent', ...config });
  node.db
    .prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       VALUES ('MUG', NULL, 'Mug', NULL, NULL, 'Home', 1000, 'USD', 'ZERO', 1)`,
    )
    .run();
  await node.start();
  return node;
};

describe('a kiosk on the node’s own machine (a trusted address with the kiosk marker)', () => {
  let node: StoreNode;
  const kiosk = (method: string, path: string, opts: { body?: unknown; accept?: string } = {}) =>
    request(node.url!, method, path, { ...opts, cookie: KIOSK });
  const lane = (
    method: string,
    path: string,
    opts: { body?: unknown; accept?: string; headers?: Record<string, string> } = {},
  ) => request(node.url!, method, path, opts);

  beforeAll(async () => {
    node = await startNodeWithMug('sf-roles-');
  });
  afterAll(() => node?.stop());

  it('the node marks a browser as a kiosk when it serves the kiosk page, for the session only (httpOnly, sameSite strict, path /)', async () => {
    const page = await lane('GET', '/kiosk.html');
    expect(page.status).toBe(200);
    // A link is not a decision: cookies ignore ports, so one demo /kiosk.html link kept 400 days made every store on
    // the machine a kiosk in that browser. Only the start page's confirmed GET /screens/kiosk keeps it (below).
    expect(page.setCookie).toMatch(FOR_THE_SESSION('sf_screen=kiosk'));
    expect((await lane('GET', '/pos.html')).setCookie).toBeNull();
    // a kiosk kept 400 days opening its page again keeps its marker: not shortened to a session one
    expect((await kiosk('GET', '/kiosk.html')).setCookie).toBeNull();
  });

  it('marks it only when the kiosk page is opened from the node’s own pages or by a person, never by another site’s link', async () => {
    for (const site of ['same-origin', 'none']) {
      expect((await lane('GET', '/kiosk.html', { headers: { 'sec-fetch-site': site } })).setCookie, site).toMatch(
        /^sf_screen=kiosk;/,
      );
    }
    // A link or redirect on another site (or another port of this machine: same-site) gets the page but no marker,
    // so the lane browser that followed it is still a lane.
    for (const site of ['cross-site', 'same-site']) {
      const page = await lane('GET', '/kiosk.html', { headers: { 'sec-fetch-site': site } });
      expect(page.status, site).toBe(200);
      expect(page.setCookie, site).toBeNull();
    }
  });

  it('reaches the kiosk page, its assets and the customer-facing API', async () => {
    for (const path of [
      '/healthz',
      '/kiosk.html',
      '/kiosk.js',
      '/store.css',
      '/store.js',
      '/shared/dom.js',
      '/pair.html',
      '/pair.js',
    ]) {
      expect((await kiosk('GET', path)).status, path).toBe(200);
    }
    expect((await kiosk('GET', '/api/catalog/products?q=mug')).body.items.map((p: { sku: string }) => p.sku)).toEqual([
      'MUG',
    ]);
    expect((await kiosk('GET', '/api/catalog/products/MUG')).body).toMatchObject({ sku: 'MUG', name: 'Mug' });
    expect((await kiosk('GET', '/api/catalog/products/MUG/nearby')).status).toBe(503); // allowed; no hub here to ask
    // The customer's cart only through the session this screen opened (by card, phone or e-mail; no hub here)…
    expect((await kiosk('GET', '/api/kiosk/cart')).body).toEqual({ firstName: null });
    expect((await kiosk('POST', '/api/kiosk/cart', { body: { who: 'ana@example.test' } })).status).toBe(503);
    expect((await kiosk('POST', '/api/kiosk/cart/lines', { body: { sku: 'MUG', qty: 1 } })).status).toBe(404);
    // …never by a customer id: that is a staff screen's
    expect((await kiosk('GET', `/api/carts/${CUSTOMER}`)).status).toBe(403);
    expect((await kiosk('POST', `/api/carts/${CUSTOMER}/lines`, { body: { code: 'MUG', qty: 2 } })).status).toBe(403);
  });

  it('is refused the staff pages and every staff API with 403 problem+json naming the reason', async () => {
    const refusals: [string, string, unknown?][] = [
      ['POST', '/api/pairing/codes', { role: 'handheld' }],
      ['POST', '/api/pairing/codes'],
      ['GET', '/api/pairing/devices'],
      ['POST', '/api/pos/sales'],
      ['GET', '/api/bopis/pickups'],
      ['POST', '/api/stock/counts', { sku: 'MUG', counted: 0 }],
      ['POST', '/api/stock/movements', { sku: 'MUG', delta: 1, kind: 'RECEIVE' }],
      ['GET', '/api/stock/MUG'],
      ['GET', '/api/devices'],
      ['GET', '/api/reports/sales'],
      ['GET', '/api/sync/status'],
      ['GET', '/metrics'],
      ['GET', '/'],
      ['GET', '/index.html'],
      ['GET', '/pos.html'],
      ['GET', '/pickup.html'],
      ['GET', '/handheld.html'],
      ['GET', '/pos.js'],
      ['GET', '/API/pos/sales/x'],
    ];
    for (const [method, path, body] of refusals) {
      const r = await kiosk(method, path, { body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.type, `${method} ${path}`).toContain('application/problem+json');
      expect(r.body.detail, `${method} ${path}`).toBe(KIOSK_REFUSAL);
    }
    expect(node.pairing.list()).toEqual([]);
  });

  it('a kiosk’s browser asking for a staff page gets a page that says only that this screen is a kiosk, with the way back to it', async () => {
    const page = await kiosk('GET', '/pos.html', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(page.status).toBe(403);
    expect(page.type).toContain('text/html');
    expect(page.text).toContain('<h1>This screen is a kiosk</h1>');
    expect(page.text).toContain('<a class="big-link" href="/kiosk.html">Back to the kiosk</a>');
    // A customer reads it: nothing on staff pages or sign-in, nothing on how to undo the kiosk (the start page says)
    expect(visibleText(page.text)).toBe('This screen is a kiosk Back to the kiosk');
    expect(page.text).not.toContain('pos.js');
  });

  it('/healthz tells a kiosk only whether the node is up and online; a lane gets the hub link’s state and error', async () => {
    expect((await kiosk('GET', '/healthz')).body).toEqual({ status: 'ok', name: null, online: false });
    // Staff also hear about the card terminal (this node runs in production mode with none named, so card tenders are refused).
    expect((await lane('GET', '/healthz')).body).toEqual({
      status: 'ok',
      name: null,
      online: false,
      storeId: null,
      screen: 'lane',
      hub: { state: 'not-configured', error: null },
      cardTerminal: 'none',
      warning: expect.stringMatching(/STORE_PAYMENT_TERMINAL/),
    });
  });

  it('the same machine without the marker is a lane and reaches everything', async () => {
    for (const [method, path] of [
      ['POST', '/api/pos/sales'],
      ['GET', '/api/sync/status'],
      ['GET', '/pos.html'],
      ['GET', '/metrics'],
      ['GET', '/api/stock/MUG'],
    ]) {
      expect((await lane(method!, path!)).status, path).toBeLessThan(300);
    }
    expect((await lane('POST', '/api/pairing/codes', { body: { role: 'kiosk' } })).body).toMatchObject({
      role: 'kiosk',
      code: expect.stringMatching(/^\d{6}$/),
    });
  });

  it('every page and answer carries the Content-Security-Policy', async () => {
    for (const path of ['/pos.html', '/kiosk.html', '/store.js', '/healthz']) {
      const { csp } = await lane('GET', path);
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toContain("base-uri 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
    }
    expect((await kiosk('GET', '/pos.html', { accept: 'text/html' })).csp).toContain("frame-ancestors 'none'");
  });
});

// Calls from 127.0.0.1 stand for devices on the store's network once the node trusts no address.
describe('devices on the store’s network keep the role of the code they paired with', () => {
  let node: StoreNode;
  const device = (method: string, path: string, token?: string, body?: unknown) =>
    request(node.url!, method, path, { token, body });
  const pair = async (role: 'handheld' | 'kiosk', name: string) => {
    const r = await device('POST', '/api/pairing/pair', undefined, {
      code: node.pairing.startPairing(role).code,
      name,
    });
    expect(r.status).toBe(201);
    expect(r.body.device).toMatchObject({ name, role });
    return r.body.token as string;
  };

  beforeAll(async () => {
    node = createStoreNode({ dbPath: tempDb('sf-roles-lan-'), port: 0, logLevel: 'silent', trustedAddresses: [] });
    // The product the probes look up (stock is kept only for products in the store's catalog).
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ('MUG', 'Mug', 'Home', 799, 'USD', 'STANDARD', 1)`,
      )
      .run();
    await node.start();
  });
  afterAll(() => node?.stop());

  it('a kiosk paired with a kiosk code reaches only what a kiosk reaches', async () => {
    const token = await pair('kiosk', 'Kiosk by the door');
    expect((await device('GET', '/api/catalog/products', token)).status).toBe(200);
    expect((await device('GET', '/api/kiosk/cart', token)).status).toBe(200);
    expect((await device('GET', `/api/carts/${CUSTOMER}`, token)).status).toBe(403); // by id: staff screens only
    for (const [method, path] of [
      ['POST', '/api/pos/sales'],
      ['GET', '/api/stock/MUG'],
      ['POST', '/api/pairing/codes'],
      ['GET', '/pos.html'],
      ['GET', '/metrics'],
    ]) {
      const r = await device(method!, path!, token);
      expect(r.status, path).toBe(403);
      expect(r.body.detail, path).toBe(KIOSK_REFUSAL);
    }
    expect(node.pairing.list().find((d) => d.name === 'Kiosk by the door')?.role).toBe('kiosk');
  });

  it('a handheld reaches the staff API but cannot mint codes or unpair', async () => {
    const token = await pair('handheld', 'Handheld 4');
    expect((await device('GET', '/api/stock/MUG', token)).status).toBe(200);
    expect((await device('POST', '/api/pos/sales', token)).status).toBe(201);
    expect((await device('GET', '/metrics', token)).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/api/pairing/codes'],
      ['POST', '/API/Pairing/Codes/'],
      ['DELETE', `/api/pairing/devices/${node.pairing.list()[0]!.id}`],
    ]) {
      const r = await device(method!, path!, token);
      expect(r.status, path).toBe(403);
      expect(r.body.detail).toBe('only the store node’s own screens can pair or unpair devices');
    }
    expect(node.pairing.list().every((d) => d.revokedAt === null)).toBe(true);
  });

  it('/healthz: a paired kiosk and an unpaired device get only {status, name, online}; a handheld gets the full body', async () => {
    const kioskToken = await pair('kiosk', 'Kiosk in aisle 2');
    const handheldToken = await pair('handheld', 'Handheld 9');
    const brief = { status: 'ok', name: null, online: false };
    expect((await device('GET', '/healthz', kioskToken)).body).toEqual(brief);
    expect((await device('GET', '/healthz')).body).toEqual(brief);
    expect((await device('GET', '/healthz', handheldToken)).body).toEqual({
      ...brief,
      storeId: null,
      screen: 'handheld',
      hub: { state: 'not-configured', error: null },
      cardTerminal: 'none',
      warning: expect.stringMatching(/STORE_PAYMENT_TERMINAL/),
    });
  });

  it('a paired kiosk’s refusal page says only that it is a kiosk (how to unpair it is for staff, not on this screen)', async () => {
    const token = await pair('kiosk', 'Kiosk by the till');
    const page = await request(node.url!, 'GET', '/handheld.html', { token, accept: 'text/html' });
    expect(page.status).toBe(403);
    expect(visibleText(page.text)).toBe('This screen is a kiosk Back to the kiosk'); // nothing on unpairing it
  });

  it('an unpaired device gets the pages and the pairing call, and 401 for every other API', async () => {
    for (const path of ['/healthz', '/pos.html', '/kiosk.html', '/pair.html', '/'])
      expect((await device('GET', path)).status, path).toBe(200);
    for (const [method, path] of [
      ['GET', '/api/stock/MUG'],
      ['GET', '/api/catalog/products'],
      ['POST', '/api/pairing/codes'],
      ['GET', '/metrics'],
      ['GET', '/api/nothing-here'],
    ]) {
      const r = await device(method!, path!);
      expect(r.status, path).toBe(401);
      expect(r.body.detail).toBe(
        'this device is not paired with the store node: open /pair.html and enter a pairing code',
      );
    }
    expect((await device('POST', '/api/pairing/pair', undefined, { code: '12ab', name: 'x' })).status).toBe(400); // reached the route
  });

  it('a pairing code asks for a known role', async () => {
    const lane = createStoreNode({ dbPath: tempDb('sf-roles-code-'), port: 0, logLevel: 'silent' });
    await lane.start();
    try {
      const bad = await request(lane.url!, 'POST', '/api/pairing/codes', { body: { role: 'manager' } });
      expect(bad.status).toBe(400);
      expect((await request(lane.url!, 'POST', '/api/pairing/codes')).body.role).toBe('handheld');
    } finally {
      await lane.stop();
    }
  });
});

// A machine that IS a kiosk (the Electron shell's kiosk page, or STORE_LOOPBACK_ROLE=kiosk): every caller from a
// trusted address is a kiosk, with or without the marker cookie (a private window, localhost instead of 127.0.0.1,
// a cleared cookie jar).
describe('a store node whose own machine is a kiosk (loopbackRole kiosk)', () => {
  let node: StoreNode;
  beforeAll(async () => {
    node = await startNodeWithMug('sf-roles-machine-', { loopbackRole: 'kiosk', name: 'Kiosk machine' });
  });
  afterAll(() => node?.stop());

  it('treats a caller without the marker as a kiosk: staff APIs and pages 403, nothing minted or sold', async () => {
    for (const cookie of [undefined, 'sf_screen=lane', 'sf_screen=kiosk']) {
      for (const [method, path, body] of [
        ['POST', '/api/pairing/codes', { role: 'handheld' }],
        ['POST', '/api/pos/sales', undefined],
        ['GET', '/api/sync/status', undefined],
        ['GET', '/pos.html', undefined],
        ['GET', '/', undefined],
      ] as const) {
        const r = await request(node.url!, method, path, { cookie, body });
        expect(r.status, `${method} ${path} ${cookie}`).toBe(403);
        expect(r.body.detail).toBe(KIOSK_REFUSAL);
      }
    }
    expect(node.db.prepare('SELECT count(*) AS n FROM pairing_codes').get()).toEqual({ n: 0 });
    expect(node.db.prepare('SELECT count(*) AS n FROM sales').get()).toEqual({ n: 0 });
  });

  it('reaches the kiosk page and the customer API, and /healthz says only what a kiosk may know', async () => {
    expect((await request(node.url!, 'GET', '/kiosk.html')).status).toBe(200);
    expect(
      (await request(node.url!, 'GET', '/api/catalog/products?q=mug')).body.items.map((p: { sku: string }) => p.sku),
    ).toEqual(['MUG']);
    expect((await request(node.url!, 'GET', '/api/kiosk/cart')).body).toEqual({ firstName: null });
    expect(
      (await request(node.url!, 'POST', `/api/carts/${CUSTOMER}/lines`, { body: { code: 'MUG', qty: 1 } })).status,
    ).toBe(403); // a cart by customer id is a staff screen's
    expect((await request(node.url!, 'GET', '/healthz')).body).toEqual({
      status: 'ok',
      name: 'Kiosk machine',
      online: false,
    });
  });

  it('its refusal page says only that this screen is a kiosk (where staff work instead is not for customers)', async () => {
    const page = await request(node.url!, 'GET', '/pos.html', { accept: 'text/html' });
    expect(page.status).toBe(403);
    expect(visibleText(page.text)).toBe('This screen is a kiosk Back to the kiosk');
  });

  it('is configured by STORE_LOOPBACK_ROLE (default lane), and an unknown value stops the start with a clear message', () => {
    expect(storeNodeConfigFromEnv({ STORE_LOOPBACK_ROLE: 'kiosk' }).loopbackRole).toBe('kiosk');
    expect(storeNodeConfigFromEnv({ STORE_LOOPBACK_ROLE: 'lane' }).loopbackRole).toBe('lane');
    expect(storeNodeConfigFromEnv({}).loopbackRole).toBeUndefined();
    expect(() => storeNodeConfigFromEnv({ STORE_LOOPBACK_ROLE: 'till' })).toThrow(
      'STORE_LOOPBACK_ROLE must be one of lane, kiosk, pos, pickup, not "till"',
    );
  });
});

/**
 * The API calls a page's script makes (`api('GET', `/api/…${x}…`)`), as method and path: an id in `${…}` becomes a
 * segment, and the pickup desk's `${action}` each action it takes (hand-over, no-show).
 */
const ACTION = '$' + '{action}'; // the pickup page's `${action}`, written so it is not a template by mistake
function callsOf(page: string): [method: string, path: string][] {
  const source = readFileSync(new URL(`../src/ui/static/${page}`, import.meta.url), 'utf8');
  return [...source.matchAll(/api\(\s*'(GET|POST|PUT|DELETE)',\s*[`']([^`'?]+)/g)].flatMap(([, method, path]) =>
    (path!.includes(ACTION) ? ['hand-over', 'no-show'] : ['']).map((action): [string, string] => [
      method!,
      path!.replace(ACTION, action).replace(/\$\{[^}]*\}/g, 'x'),
    ]),
  );
}

const PAGE = 'text/html,application/xhtml+xml,*/*;q=0.8';

// A staff screen kept to one job: a till or the pickup desk on the shop floor (#17). Marked like the kiosk, by a
// session cookie the node sets (GET /screens/pos|pickup from the start page) or the Electron shell's --page=pos|pickup.
describe.each([
  {
    role: 'pos' as const,
    refusal: POS_REFUSAL,
    heading: 'This is a POS screen',
    back: '<a class="big-link" href="/pos.html">Back to the POS</a>',
    own: ['/pos.html', '/pos.js'],
    others: ['/', '/index.html', '/pickup.html', '/pickup.js', '/handheld.html', '/handheld.js', '/kiosk.html'],
  },
  {
    role: 'pickup' as const,
    refusal: PICKUP_REFUSAL,
    heading: 'This is the pickup desk',
    back: '<a class="big-link" href="/pickup.html">Back to the pickup desk</a>',
    own: ['/pickup.html', '/pickup.js'],
    others: ['/', '/index.html', '/pos.html', '/pos.js', '/handheld.html', '/handheld.js', '/kiosk.html'],
  },
])(
  'a screen marked as $role (sf_screen=$role on a trusted address)',
  ({ role, refusal, heading, back, own, others }) => {
    let node: StoreNode;
    const as = (method: string, path: string, opts: { body?: unknown; accept?: string } = {}) =>
      request(node.url!, method, path, { ...opts, cookie: `sf_screen=${role}` });
    beforeAll(async () => {
      node = await startNodeWithMug(`sf-roles-${role}-`);
    });
    afterAll(() => node?.stop());

    it('opens its own page and the shared assets, and no other page (a refusal page that leads back to its own)', async () => {
      for (const path of [...own, '/store.css', '/store.js', '/shared/dom.js', '/favicon.ico', '/healthz'])
        expect((await as('GET', path)).status, path).toBe(200);
      for (const path of others) {
        const page = await as('GET', path, { accept: PAGE });
        expect(page.status, path).toBe(403);
        expect(page.text, path).toContain(`<h1>${heading}</h1>`);
        expect(page.text, path).toContain(`${refusal}.`);
        expect(page.text, path).toContain(back);
        expect(page.text, path).toContain(`<p>${STAFF_WAY_BACK.marker}</p>`);
      }
    });

    it('reaches every API its page calls (read from the page’s script), and the status bar’s', () => {
      const calls = [...callsOf(`${role}.js`), ...callsOf('store.js')];
      expect(calls.length).toBeGreaterThan(3);
      for (const [method, path] of calls)
        expect(decideAccess(role, method, path), `${method} ${path}`).toEqual({ allow: true });
    });

    it('is refused every other staff API with 403 problem+json, and changes nothing', async () => {
      const staff: [string, string, unknown?][] = [
        ['POST', '/api/pairing/codes', { role: 'handheld' }],
        ['GET', '/api/pairing/devices'],
        ['POST', '/api/stock/movements', { sku: 'MUG', delta: 5, kind: 'RECEIVE' }],
        ['POST', '/api/stock/counts', { sku: 'MUG', counted: 0 }],
        ['GET', '/api/stock/MUG'],
        ['GET', '/api/devices'],
        ['GET', '/api/reports/sales'],
        ['GET', '/api/sync/parked-feed'],
        ['POST', '/api/sync/parked-feed/replay', {}],
        ['GET', '/metrics'],
        ['GET', `/api/carts/${CUSTOMER}`],
        ['GET', '/screens/pickup'],
        ['GET', '/screens/pos'],
        role === 'pos' ? ['GET', '/api/bopis/pickups'] : ['POST', '/api/pos/sales', {}],
        role === 'pos' ? ['POST', '/api/bopis/pickups/verify', { code: 'x' }] : ['GET', '/api/catalog/products?q=mug'],
      ];
      for (const [method, path, body] of staff) {
        const r = await as(method, path, { body });
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.type, `${method} ${path}`).toContain('application/problem+json');
        expect(r.body.detail, `${method} ${path}`).toBe(refusal);
      }
      expect(node.pairing.list()).toEqual([]);
      expect(node.pos.stock.onHand('MUG')).toBe(0);
    });

    it(`does its job through the API: ${role === 'pos' ? 'a sale rung up' : 'the pickup list read'}`, async () => {
      if (role === 'pos') {
        const sale = await as('POST', '/api/pos/sales', { body: {} });
        expect(sale.status).toBe(201);
        expect(
          (await as('POST', `/api/pos/sales/${sale.body.id}/lines`, { body: { code: 'MUG', qty: 1 } })).status,
        ).toBe(200);
        expect((await as('GET', '/api/catalog/products?q=mug')).body.items.map((p: { sku: string }) => p.sku)).toEqual([
          'MUG',
        ]);
      } else {
        expect((await as('GET', '/api/bopis/pickups')).status).toBe(200);
      }
      expect((await as('GET', '/api/sync/status')).status).toBe(200);
      expect((await as('GET', '/healthz')).body.screen).toBe(role); // its pages link only to its own page
    });

    it('a kiosk marker beside it narrows the screen to a kiosk, never the other way', async () => {
      const both = await request(node.url!, 'GET', '/api/sync/status', {
        cookie: `sf_screen=${role}; sf_screen=kiosk`,
      });
      expect(both.status).toBe(403);
      expect(both.body.detail).toBe(KIOSK_REFUSAL);
    });
  },
);

describe('"Use this screen as …": the back office marks a browser for one job', () => {
  let node: StoreNode;
  beforeAll(async () => {
    node = await startNodeWithMug('sf-roles-mark-');
  });
  afterAll(() => node?.stop());

  it('GET /screens/pos?lane=N, /screens/pickup and /screens/kiosk set a marker kept 400 days (httpOnly, sameSite strict) and go to that page', async () => {
    for (const [role, page, query, cookies] of [
      ['pos', '/pos.html', '?lane=7', ['sf_lane=7', 'sf_screen=pos']],
      ['pickup', '/pickup.html', '', ['sf_screen=pickup']],
      ['kiosk', '/kiosk.html', '', ['sf_screen=kiosk']],
    ] as const) {
      for (const site of [undefined, 'same-origin', 'none']) {
        const r = await request(node.url!, 'GET', `/screens/${role}${query}`, {
          headers: site ? { 'sec-fetch-site': site } : {},
        });
        expect(r.status, `${role} ${site}`).toBe(303);
        // fetch joins several Set-Cookie headers with ", " (an Expires date has one too: split before a name only)
        const set = r.setCookie!.split(/, (?=sf_)/);
        expect(set.length).toBe(cookies.length);
        for (const [i, c] of set.entries()) expect(c).toMatch(KEPT_400_DAYS(cookies[i]!));
      }
      const followed = await fetch(`${node.url}/screens/${role}${query}`, { redirect: 'manual' });
      expect(followed.headers.get('location')).toBe(page);
    }
    // A POS screen is a lane of the store: without a lane number 1–99 nothing is marked.
    for (const query of [
      '',
      '?lane=',
      '?lane=0',
      '?lane=100',
      '?lane=07',
      '?lane=3.5',
      '?lane=3&lane=4',
      '?lane=%3Cb%3E',
    ]) {
      const r = await request(node.url!, 'GET', `/screens/pos${query}`);
      expect(r.status, query).toBe(400);
      expect(r.type, query).toContain('application/problem+json');
      expect(r.setCookie, query).toBeNull();
    }
    expect((await request(node.url!, 'GET', '/screens/lane')).status).toBe(404);
  });

  it('is refused from another site’s link (no marker set), to a marked screen and to a paired handheld', async () => {
    for (const site of ['cross-site', 'same-site'])
      for (const path of ['/screens/pos', '/screens/kiosk']) {
        const r = await request(node.url!, 'GET', path, { headers: { 'sec-fetch-site': site } });
        expect(r.status, `${path} ${site}`).toBe(403);
        expect(r.body.detail).toBe(MARK_FROM_OWN_PAGES);
        expect(r.setCookie).toBeNull();
      }
    for (const cookie of ['sf_screen=pos', 'sf_screen=pickup', 'sf_screen=kiosk']) {
      const r = await request(node.url!, 'GET', '/screens/pickup', { cookie });
      expect(r.status, cookie).toBe(403);
      expect(r.setCookie).toBeNull();
    }
    // a handheld on the store's network (this node trusts 127.0.0.2 only; the handheld calls from 127.0.0.1)
    const lan = await startNodeWithMug('sf-roles-mark-lan-', { trustedAddresses: ['127.0.0.2'] });
    try {
      const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const { code } = (
        await rawCall(lan.url!, {
          method: 'POST',
          path: '/api/pairing/codes',
          localAddress: '127.0.0.2',
          ...json({ role: 'handheld' }),
        })
      ).json;
      const { token } = (
        await rawCall(lan.url!, {
          method: 'POST',
          path: '/api/pairing/pair',
          localAddress: '127.0.0.1',
          ...json({ code, name: 'Floor handheld' }),
        })
      ).json;
      const r = await rawCall(lan.url!, {
        method: 'GET',
        path: '/screens/pos',
        localAddress: '127.0.0.1',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(r.status).toBe(403);
      expect(r.json.detail).toBe(MARK_FROM_BACK_OFFICE);
    } finally {
      await lan.stop();
    }
  });
});

describe('a machine set up as one job (STORE_LOOPBACK_ROLE=pos)', () => {
  let node: StoreNode;
  beforeAll(async () => {
    node = await startNodeWithMug('sf-roles-pos-machine-', { loopbackRole: 'pos' });
  });
  afterAll(() => node?.stop());

  it('makes every trusted caller a POS screen, whatever its cookies; a kiosk marker still narrows it', async () => {
    for (const cookie of [undefined, 'sf_screen=pickup']) {
      expect((await request(node.url!, 'GET', '/pos.html', { cookie })).status, cookie).toBe(200);
      const refused = await request(node.url!, 'GET', '/handheld.html', { cookie, accept: PAGE });
      expect(refused.status, cookie).toBe(403);
      expect(refused.text).toContain(`<p>${STAFF_WAY_BACK.machine}</p>`);
    }
    // a marker that is not exactly a role (`lane` is none) narrows it to a kiosk too, like the kiosk marker
    for (const cookie of ['sf_screen=kiosk', 'sf_screen=lane'])
      expect((await request(node.url!, 'GET', '/pos.html', { cookie })).status, cookie).toBe(403);
    expect(storeNodeConfigFromEnv({ STORE_LOOPBACK_ROLE: 'pickup' }).loopbackRole).toBe('pickup');
  });
});
