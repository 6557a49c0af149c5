import type { RecsInteractionKind, RecsSurface } from '@storefleet/shared';

export type { Interaction, InteractionSource } from '../../kernel/ports/recommendations.js';
export type { RecsInteractionKind, RecsSurface };

/** A candidate as stored with a model: `why` names the sku that explains it ("bought with X"), or null. */
export interface Candidate {
  readonly sku: string;
  readonly score: number;
  readonly why: string | null;
}

export type NeighbourKind = 'BOUGHT_WITH' | 'SIMILAR';
export type ModelState = 'TRAINING' | 'ACTIVE' | 'RETIRED' | 'FAILED';

/** A training run as the console lists it. */
export interface ModelRun {
  readonly version: number;
  readonly state: ModelState;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** {interactions, customers, products, factors, iterations, trainMs, writeMs, …} */
  readonly summary: Record<string, unknown>;
  readonly error: string | null;
}

/** How much each source counts on one surface (0 leaves it out). */
export interface SurfaceWeights {
  /** the customer's iALS candidates */
  readonly personal: number;
  /** bought with the anchor products (the product shown, the cart's lines, the session's views) */
  readonly boughtWith: number;
  /** similar in content (category, brand, words of the name, tags) to the anchor products */
  readonly similar: number;
  /** popular (at the store when one is chosen, in the anchors' categories, overall) */
  readonly popular: number;
  /** how strongly this session's views and cart adds pull their neighbours up (re-ranking at request time) */
  readonly session: number;
}
export type VariantWeights = Readonly<Record<RecsSurface, SurfaceWeights>>;

export interface Variant {
  readonly name: string;
  readonly description: string;
  readonly weights: VariantWeights;
  readonly state: 'RUNNING' | 'STOPPED';
  readonly impressions: number;
  readonly clicks: number;
  readonly createdAt: number;
  readonly stoppedAt: number | null;
  readonly stoppedBy: string | null;
}

/** What a caller asks for. */
export interface RecsRequest {
  readonly surface: RecsSurface;
  /** The signed-in customer (personal candidates, not already bought). */
  readonly customerId: string | null;
  /** The browsing session (re-ranking by its recent views and cart adds). */
  readonly sessionId: string | null;
  /** The product shown (product page) or the cart's skus (cart): the anchors. */
  readonly skus: readonly string[];
  /** The store chosen: only what it has in stock, its popular list first for a cold start. */
  readonly storeId: string | null;
  readonly limit: number;
  /**
   * The store asking, when a store (or one of its people) asks: the customer's purchases elsewhere neither show nor
   * steer the list — only purchases at this store count as already bought, and a personal pick names no product
   * ("Picked for you"). Null or absent for head office, which sees every purchase.
   */
  readonly askingStoreId?: string | null;
  /** Who asked (`store:<id>`, `user:<id>`): the impression remembers it, and only their click counts. */
  readonly servedTo?: string | null;
}

/** One recommended product with the sentence that explains it. */
export interface RecsItem {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly score: number;
  /** "Customers who bought Whole milk 1 l also bought this", "Because you looked at …", "Popular at this store", "Popular in Dairy", "Similar to …" */
  readonly reason: string;
}

export interface RecsAnswer {
  /** Names this list for a click (`POST /api/recommendations/clicks`). */
  readonly impressionId: string;
  readonly variant: string;
  readonly surface: RecsSurface;
  /** The model the candidates came from; null before the first training run (popularity from live counts). */
  readonly modelVersion: number | null;
  readonly items: readonly RecsItem[];
}
