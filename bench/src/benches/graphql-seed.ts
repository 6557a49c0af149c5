import { hlcEncode } from '@storefleet/shared';
import type { Hub } from '@storefleet/central';
import { catalogRows } from '../../../central/src/demo/demo-seed.js';
import type { HubApi } from '../support/hub-http-caller.js';

/** The stores the shop stocks; the product-list query asks for stock at the first. */
const STORES = [
  { code: 'GQ-A', lat: 40.71, lon: -74.0 },
  { code: 'GQ-B', lat: 40.73, lon: -73.99 },
  { code: 'GQ-C', lat: 40.68, lon: -73.95 },
  { code: 'GQ-D', lat: 40.78, lon: -73.97 },
] as const;

/** Products (sku order) among which every third gets a safety stock of 2 at store A. */
const SAFETY_OVER = 200;

/**
 * What store `s` holds of the `i`-th product (sku order): 0 to 40, spread so a page shows every stock level (0 is
 * out of stock, 1–5 LOW); a 0 is a receipt sold again, so the store has a stock row for every product.
 */
export const onHandAt = (s: number, i: number): number => (i * 7 + s * 13 + ((i * i) % 11)) % 41;

export interface Shop {
  readonly storeIds: readonly string[];
  /** Customers with a cart of `linesPerCart` lines, a pickup at the first store. */
  readonly customerIds: readonly string[];
  readonly products: number;
}

/**
 * The hub's shop for the bench, through its API as the admin (the real catalog: the demo's 2,000 Datakick products
 * with their categories and prices), the stores' stock as their lanes report it (`stock.moved` events), and carts
 * filled through REST the way a web backend or a lane fills them.
 */
export async function seedShop(
  hub: Hub,
  api: HubApi,
  admin: string,
  carts: number,
  linesPerCart: number,
): Promise<Shop> {
  const who = { cookie: admin };
  const products = catalogRows().sort((a, b) => (a.sku < b.sku ? -1 : 1));
  for (let i = 0; i < products.length; i += 1000) {
    const items = products.slice(i, i + 1000).map((p) => ({
      sku: p.sku,
      gtin: p.gtin,
      name: p.name,
      brand: p.brand || null,
      size: p.size || null,
      category: p.category,
      priceMinor: p.priceMinor,
      taxClass: p.taxClass,
    }));
    await api.expect(200, 'POST', '/api/catalog/products/import', { items }, who);
  }
  const storeIds: string[] = [];
  for (const s of STORES) {
    const { location } = await api.expect<{ location: { id: string } }>(
      201,
      'POST',
      '/api/locations',
      { code: s.code, name: `GraphQL bench ${s.code}`, kind: 'STORE', lat: s.lat, lon: s.lon },
      who,
    );
    storeIds.push(location.id);
  }
  for (const [s, storeId] of storeIds.entries()) {
    let seq = 0;
    const event = (sku: string, delta: number, kind: 'RECEIVE' | 'SALE') => ({
      origin: storeId,
      seq: ++seq,
      hlc: hlcEncode({ wallMs: Date.now(), counter: seq % 65_000, node: storeId }),
      type: 'stock.moved',
      payload: { sku, delta, kind },
    });
    const events = products.flatMap((p, i) => {
      const q = onHandAt(s, i);
      return q > 0 ? [event(p.sku, q, 'RECEIVE')] : [event(p.sku, 1, 'RECEIVE'), event(p.sku, -1, 'SALE')];
    });
    for (let i = 0; i < events.length; i += 1000) await hub.sync.repo.applyBatch(storeId, events.slice(i, i + 1000), 0);
  }
  // Safety stock on some of store A's first pages: what both sides answer as available is on hand less it (GraphQL's
  // loader and REST's stock read each compute that), so the bench's comparison of the two can catch them disagreeing.
  for (const [i, p] of products.slice(0, SAFETY_OVER).entries())
    if (i % 3 === 0 && onHandAt(0, i) > 0)
      await api.expect(200, 'PUT', `/api/inventory/stores/${storeIds[0]}/stock/${p.sku}/safety`, { safety: 2 }, who);
  // Cart lines: products store A has at least 5 of, a different run of them per cart.
  const pickable = products.filter((_, i) => onHandAt(0, i) >= 5).map((p) => p.sku);
  const customerIds: string[] = [];
  for (let c = 0; c < carts; c++) {
    const { id } = await api.expect<{ id: string }>(
      201,
      'POST',
      '/api/customers',
      { name: `GraphQL bench shopper ${c + 1}` },
      who,
    );
    await api.expect(200, 'PUT', `/api/carts/${id}/fulfilment`, { type: 'PICKUP', storeId: storeIds[0] }, who);
    for (let l = 0; l < linesPerCart; l++) {
      const sku = pickable[(c * 37 + l * 11) % pickable.length]!;
      await api.expect(200, 'POST', `/api/carts/${id}/lines`, { sku, qty: 1 + ((c + l) % 3) }, who);
    }
    customerIds.push(id);
  }
  return { storeIds, customerIds, products: products.length };
}
