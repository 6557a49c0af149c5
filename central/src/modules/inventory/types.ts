import type { MovementKind } from '@storefleet/shared';

/** The kinds of stock movement a store sends (`stock.moved`, shared/src/protocol/events.ts). */
export { MOVEMENT_KINDS, type MovementKind } from '@storefleet/shared';
export type MovementSource = 'POS' | 'ONLINE' | 'WAREHOUSE' | 'RFID';

export interface StockLevel {
  readonly storeId: string;
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly safety: number;
  /** on_hand − reserved − safety, never shown below 0. */
  readonly available: number;
  readonly updatedAt: number | null;
}

export interface Movement {
  readonly sku: string;
  readonly delta: number;
  readonly kind: MovementKind;
  readonly source: MovementSource;
  readonly originSeq: number | null;
  readonly at: number;
}

export interface NearbyStore {
  readonly storeId: string;
  readonly code: string;
  readonly name: string;
  readonly distanceKm: number;
  readonly available: number;
}

// What inventory needs of the catalog is a port between modules (kernel/ports/catalog.ts).
export type { CatalogSkus } from '../../kernel/ports/catalog.js';
