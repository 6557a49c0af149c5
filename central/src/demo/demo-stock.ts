import { createHash } from 'node:crypto';
import type { DemoStore } from './demo-stores.js';

/** The demo's distribution centre: SHIP orders are held and shipped from here. */
export const DEMO_DC = {
  code: 'DC1',
  name: 'Secaucus Distribution Centre',
  lat: 40.7895,
  lon: -74.0565,
  timezone: 'America/New_York',
} as const;

/** Units the distribution centre holds of a product: cases of it, more of what sells by the case. */
export function dcQuantity(sku: string, category: string): number {
  const cases = 4 + (createHash('sha256').update(`DC\u0000${sku}`).digest().readUInt32BE(0) % 12);
  const perCase = ['Beverages', 'Snacks', 'Pantry', 'Produce', 'Dairy'].includes(category) ? 24 : 6;
  return cases * perCase;
}

export interface DemoOrder {
  readonly what: string;
  /** The body of POST /api/orders. */
  readonly body: {
    customerId: string;
    placeKey: string;
    lines: { sku: string; qty: number }[];
    fulfilment: { type: 'PICKUP' | 'SHIP'; storeId: string | null };
  };
}

/**
 * Two pickups per store (different shoppers, two or three products each) and one SHIP order, each with a fixed
 * placeKey so placing them again on a restart returns the same orders. Products are picked by position in the sku
 * list (`skus`, sorted), spread over the catalog.
 */
export function demoOrders(
  stores: readonly (DemoStore & { readonly storeId: string })[],
  customers: readonly string[],
  skus: readonly string[],
): DemoOrder[] {
  const pick = (k: number, count: number) =>
    Array.from({ length: count }, (_, j) => ({
      sku: skus[(k * 397 + j * 613 + 11) % skus.length]!,
      qty: 1 + ((k + j) % 2),
    }));
  const orders: DemoOrder[] = [];
  stores.forEach((s, i) => {
    for (const n of [0, 1]) {
      const k = i * 2 + n;
      orders.push({
        what: `${s.code} pickup ${n + 1}`,
        body: {
          customerId: customers[k % customers.length]!,
          placeKey: `demo-${s.code}-pickup-${n + 1}`,
          lines: pick(k, 2 + n),
          fulfilment: { type: 'PICKUP', storeId: s.storeId },
        },
      });
    }
  });
  orders.push({
    what: 'shipped order',
    body: {
      customerId: customers[customers.length - 1]!,
      placeKey: 'demo-ship-1',
      lines: pick(stores.length * 2 + 1, 2),
      fulfilment: { type: 'SHIP', storeId: null },
    },
  });
  return orders;
}
