import type { TillProduct } from './till-day.js';

/**
 * What the fleet hub (support/fleet-hub.ts) seeds and the fleet benchmarks check against: the catalog every simulated
 * till sells, the on-hand every store starts with, and the head-office user the bench reads the hub's stock as.
 */
export const FLEET_PRODUCTS: readonly TillProduct[] = Array.from({ length: 50 }, (_, k) => ({
  sku: `F-${String(k + 1).padStart(3, '0')}`,
  priceMinor: 199 + 37 * k,
}));
export const FLEET_OPENING_STOCK = 1_000_000;
export const FLEET_ADMIN = 'fleet-admin@example.test';
