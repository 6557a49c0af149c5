import type { MovementKind } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

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

/**
 * What inventory needs of the catalog module (its `catalog.products` service): which of these skus the catalog holds,
 * read in the caller's transaction. A sync handler asks it before counting a store's movements, so a sku the hub does
 * not know is never created as stock.
 */
export interface CatalogSkus {
  many(skus: readonly string[], q: Queryable): Promise<ReadonlyMap<string, unknown>>;
}
