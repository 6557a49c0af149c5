import type { PriceBookScope, PromotionRow } from '@storefleet/shared';

export type { PriceBookScope };

/** A price book as head office sees it (modules/pricing/books.ts). */
export interface PriceBook {
  readonly id: string;
  readonly name: string;
  readonly scope: PriceBookScope;
  /** For a STORE book. */
  readonly storeId: string | null;
  /** For a REGION book. */
  readonly regionId: string | null;
  readonly currency: string;
  /** Entries not deleted. */
  readonly entries: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface PriceBookEntry {
  readonly id: string;
  readonly bookId: string;
  readonly sku: string;
  readonly priceMinor: number;
  readonly memberPriceMinor: number | null;
  readonly from: number;
  readonly to: number | null;
  readonly revision: number;
  readonly updatedAt: number;
}

export interface Region {
  readonly id: string;
  readonly name: string;
  readonly stores: number;
}

/** A promotion as head office sees it: the stores' row plus who made it and when. */
export type PromotionView = Omit<PromotionRow, 'deleted'> & {
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Where it stands at the hub's clock. */
  readonly status: 'SCHEDULED' | 'ACTIVE' | 'ENDED';
};
