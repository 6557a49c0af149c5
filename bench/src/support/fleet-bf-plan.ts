import { seededRandom } from '@storefleet/devices';
import type { TillProduct } from './till-day.js';

/**
 * What one fleet trial (bench fleet-black-friday) is made of, the same for the anchor and the faulted trial given the
 * same seed: the stores (ids, places, which are the busy ones), the catalog, the opening stock, the head-office user.
 * The seeding replica (fleet-bf-hub.ts) reads it from a file.
 */
export interface TrialPlan {
  readonly stores: readonly PlannedStore[];
  /** Everyday products: plenty everywhere, never short. */
  readonly normalProducts: readonly TillProduct[];
  /** The Black-Friday deals: a few units per store, sold at the tills and held online at once (oversell is possible). */
  readonly hotProducts: readonly TillProduct[];
  readonly normalStock: number;
  /** Opening units of each hot product at a busy store, and at the others (where the repair may move a hold). */
  readonly hotStockBusy: number;
  readonly hotStockQuiet: number;
  /** Units a busy store receives of a hot product it sold out of, now and then (keeps the race going all day). */
  readonly restockUnits: number;
  readonly admin: { readonly email: string; readonly password: string };
  readonly tokensFile: string;
}

export interface PlannedStore {
  readonly id: string;
  readonly code: string;
  readonly lat: number;
  readonly lon: number;
  /** A busy store: five times the sales, the hot products on its shelves, most of the online holds. */
  readonly hot: boolean;
}

/** A version-4-shaped UUID from the seeded stream, so both trials name their stores alike. */
function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Busy stores: 2 % of the fleet, at least 10. */
export const busyStores = (stores: number) => Math.min(stores, Math.max(10, Math.round(stores * 0.02)));

export function makePlan(seed: number, stores: number, tokensFile: string): TrialPlan {
  const random = seededRandom(seed);
  const busy = busyStores(stores);
  return {
    // Spread over a box about 220 km wide: a store has neighbours within the repair's 50 km, not all of them.
    stores: Array.from({ length: stores }, (_, i) => ({
      id: seededUuid(random),
      code: `BF${String(i + 1).padStart(5, '0')}`,
      lat: 40 + random() * 2,
      lon: -75 + random() * 2.6,
      hot: i < busy,
    })),
    normalProducts: Array.from({ length: 40 }, (_, k) => ({
      sku: `BF-${String(k + 1).padStart(3, '0')}`,
      priceMinor: 199 + 37 * k,
    })),
    hotProducts: Array.from({ length: 4 }, (_, k) => ({
      sku: `BF-HOT-${k + 1}`,
      priceMinor: 9_999 + 2_000 * k,
    })),
    normalStock: 1_000_000,
    hotStockBusy: 6,
    hotStockQuiet: 2,
    restockUnits: 6,
    admin: { email: 'fleet-bf-admin@example.test', password: 'a long enough password' },
    tokensFile,
  };
}
