import { definePort } from '../ports.js';

/** What reservations need from whoever counts stock. */
export interface StockHolds {
  /** Locks the rows until commit, in a deadlock-free order; what each `store/sku` can still promise. */
  lockAvailable(
    tx: unknown,
    keys: readonly { storeId: string; sku: string }[],
    now: number,
  ): Promise<Map<string, number>>;
  /** Adds signed quantities to the held counts, one statement. */
  addReserved(
    tx: unknown,
    changes: readonly { storeId: string; sku: string; qty: number }[],
    now: number,
  ): Promise<void>;
}

export interface IncidentRef {
  readonly id: string;
  readonly storeId: string;
  readonly sku: string;
  readonly short: number;
}

/** What reservations need of oversell incidents (to repair them). */
export interface IncidentDesk {
  lockOpen(tx: unknown, limit: number): Promise<IncidentRef[]>;
  resolve(tx: unknown, id: string, resolution: unknown, now: number): Promise<void>;
  storesNear(
    tx: unknown,
    storeId: string,
    radiusKm: number,
    limit: number,
  ): Promise<{ storeId: string; distanceKm: number }[]>;
}

/** What carts and orders ask of stock: what a location can promise, and the distribution centres that cover an order. */
export interface Availability {
  atLocation(locationId: string, sku: string): Promise<number>;
  /** What `locationId` can promise of each of `skus` (at most 1,000), in one read; a sku it does not stock is 0. */
  manyAt(locationId: string, skus: readonly string[]): Promise<Map<string, number>>;
  dcsCovering(lines: readonly { sku: string; qty: number }[]): Promise<{ id: string; available: number }[]>;
}

export const INVENTORY_HOLDS = definePort<StockHolds>(
  'inventory.holds',
  'what reservations need from whoever counts stock',
);
export const INVENTORY_INCIDENTS = definePort<IncidentDesk>(
  'inventory.incidents',
  'the oversell incidents reservations repair',
);
export const INVENTORY_AVAILABILITY = definePort<Availability>(
  'inventory.availability',
  'the stock carts show and orders are sourced from',
);
