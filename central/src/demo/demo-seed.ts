import { readFileSync } from 'node:fs';
import { hlcEncode } from '@storefleet/shared';
import type { Hub } from '../hub.js';
import { parseCsv } from './csv.js';
import type { DemoStore } from './demo-stores.js';
import { DEMO_CUSTOMERS } from './demo-customers.js';
import { DEMO_DC, dcQuantity, demoOrders } from './demo-stock.js';
import { demoFeatured } from './demo-featured.js';
import { type HubFetch, sessionHeaders } from './demo-https.js';
import type { DemoStaffSecrets } from './demo-staff.js';

export interface DemoSecrets {
  admin: { email: string; password: string };
  stores: Record<string, { storeId: string; secret: string }>;
  /** Each store's demo people (by store code): their console passwords and lane PINs (absent in older files). */
  staff?: DemoStaffSecrets;
}

/** A start that failed for a reason a person can act on (a port in use): the message says what to do. */
export class DemoStartError extends Error {}

/**
 * What the demo puts into a fresh hub, each step safe to run again on every start (it finds what an earlier start
 * made): the admin's session, the catalog, the distribution centre and its stock, the shoppers, the demo orders.
 */
export type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * Signs in as the demo admin (created on first run) and returns a caller of the hub's API with that session, sending
 * its CSRF token on writes as the console does. `hubFetch` trusts the demo's CA when the hub is on https.
 */
export async function adminApi(
  hub: Hub,
  hubUrl: string,
  secrets: DemoSecrets,
  saveSecrets: () => void,
  dataDir: string,
  hubFetch: HubFetch = (url, init) => fetch(url, init),
): Promise<Api> {
  if (!(await hub.db.query('SELECT 1 FROM users LIMIT 1')).rowCount) {
    await hub.auth.createUser({ ...secrets.admin, name: 'Demo Admin', role: 'ADMIN' });
    saveSecrets();
  }
  const login = await hubFetch(`${hubUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(secrets.admin),
  });
  await login.arrayBuffer();
  if (!login.ok)
    throw new DemoStartError(`the demo admin could not sign in (${login.status}); delete ${dataDir} to start over`);
  const session = sessionHeaders(login);
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await hubFetch(hubUrl + path, {
      method,
      headers: { ...session, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return res.json() as Promise<T>;
  };
}

/** The 2,000-product catalog from demo-catalog.csv, once, with a featured few per category (demo-featured.ts). */
export async function seedCatalog(api: Api, say: (line: string) => void): Promise<void> {
  const { items: some } = await api<{ items: unknown[] }>('GET', '/api/catalog/products?limit=1');
  if (some.length) return;
  const rows = catalogRows();
  const featured = demoFeatured(rows); // a few per category: the kiosk home page's first shelf
  const items = rows.map(({ sku, gtin, name, brand, size, category, priceMinor, taxClass }) => ({
    sku,
    gtin,
    name,
    brand: brand || null,
    size: size || null,
    category,
    priceMinor,
    taxClass,
    featuredRank: featured.get(sku) ?? null,
  }));
  for (let i = 0; i < items.length; i += 1000) {
    await api('POST', '/api/catalog/products/import', { items: items.slice(i, i + 1000) });
    say(`catalog: ${Math.min(i + 1000, items.length)}/${items.length} products`);
  }
}

export interface CatalogRow {
  sku: string;
  gtin: string;
  name: string;
  brand: string;
  size: string;
  category: string;
  priceMinor: number;
  taxClass: string;
}
/** The committed demo catalog's rows (`demo-catalog.csv`), as the demo seeds them. */
export function catalogRows(): CatalogRow[] {
  const [, ...rows] = parseCsv(readFileSync(new URL('./demo-catalog.csv', import.meta.url), 'utf8'));
  return rows
    .filter((r) => r.length >= 8)
    .map(([sku, gtin, name, brand, size, category, price, taxClass]) => ({
      sku: sku!,
      gtin: gtin!,
      name: name!,
      brand: brand!,
      size: size!,
      category: category!,
      priceMinor: Number(price),
      taxClass: taxClass!,
    }));
}

/**
 * The distribution centre SHIP orders draw from (orders' RESERVE asks `dcsCovering`): registered once, and stocked
 * with every product as the warehouse's own system would report its receipts — `stock.moved` RECEIVE events from
 * the DC as origin, one seq per product in sku order, so a restart re-sends the same seqs and the hub skips them.
 */
export async function seedDistributionCentre(hub: Hub, api: Api): Promise<string> {
  const { items } = await api<{ items: { id: string; code: string }[] }>('GET', '/api/locations?kind=DC&limit=1000');
  const dcId =
    items.find((l) => l.code === DEMO_DC.code)?.id ??
    (await api<{ location: { id: string } }>('POST', '/api/locations', { ...DEMO_DC, kind: 'DC' })).location.id;
  const products = catalogRows().sort((a, b) => (a.sku < b.sku ? -1 : 1));
  const at = Date.now();
  for (let i = 0; i < products.length; i += 500) {
    const events = products.slice(i, i + 500).map((p, j) => ({
      origin: dcId,
      seq: i + j + 1,
      hlc: hlcEncode({ wallMs: at, counter: i + j, node: dcId }),
      type: 'stock.moved',
      payload: { sku: p.sku, delta: dcQuantity(p.sku, p.category), kind: 'RECEIVE', at },
    }));
    await hub.sync.repo.applyBatch(dcId, events, 0);
  }
  return dcId;
}

export interface SeededCustomer {
  readonly id: string;
  /** The card number the hub gave them (absent on a hub without loyalty cards). */
  readonly loyaltyCard?: string | null;
}

/** The demo shoppers, once (found again by e-mail), in DEMO_CUSTOMERS order. */
export async function seedCustomers(api: Api): Promise<SeededCustomer[]> {
  const out: SeededCustomer[] = [];
  for (const c of DEMO_CUSTOMERS) {
    const { items } = await api<{ items: SeededCustomer[] }>(
      'GET',
      `/api/customers?email=${encodeURIComponent(c.email)}&limit=1`,
    );
    out.push(
      items[0] ??
        (await api<SeededCustomer>('POST', '/api/customers', { name: c.name, email: c.email, phone: c.phone })),
    );
  }
  return out;
}

export interface PlacedOrder {
  readonly what: string;
  readonly status: string;
  readonly number: string | null;
}

/**
 * Two pickups held at each store (the pickup desk has something to hand over) and one order shipped from the
 * distribution centre. Each has a fixed placeKey: placing again on a restart returns the order already placed.
 */
export async function placeDemoOrders(
  api: Api,
  stores: readonly (DemoStore & { storeId: string })[],
  customers: readonly string[],
): Promise<PlacedOrder[]> {
  const skus = catalogRows()
    .map((p) => p.sku)
    .sort();
  const placed: PlacedOrder[] = [];
  for (const o of demoOrders(stores, customers, skus)) {
    const order = await api<{ status: string; number?: string | null; failure?: string | null }>(
      'POST',
      '/api/orders',
      o.body,
    );
    placed.push({ what: o.what, status: order.status, number: order.number ?? null });
  }
  return placed;
}
