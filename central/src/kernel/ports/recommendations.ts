import type { RecsInteractionKind } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

/** Where an interaction was seen: an online order, a cart line, a sale at a lane, a kiosk view, a web/app session. */
export type InteractionSource = 'order' | 'cart' | 'pos' | 'kiosk' | 'web';

/**
 * One thing a customer (or an anonymous session) did with a product. `sourceRef` names what it came from (the order's
 * id, the sale's id, the view's id), so a flow that runs twice (a resent event, a retried hook) records it once.
 */
export interface Interaction {
  readonly customerId: string | null;
  readonly sessionId?: string | null;
  readonly sku: string;
  readonly kind: RecsInteractionKind;
  readonly storeId: string | null;
  readonly source: InteractionSource;
  readonly sourceRef: string;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * What modules tell the recommendations module: interactions, recorded in the caller's transaction (`q`), so an order
 * that rolls back leaves none. Cheap (one insert), never throws for an unknown sku or customer (they are kept: the
 * catalog and the customer may arrive later); duplicates by (source, sourceRef, sku, kind) are ignored.
 */
export interface InteractionSink {
  record(q: Queryable, interactions: readonly Interaction[]): Promise<void>;
}

export const RECS_INTERACTIONS = definePort<InteractionSink>(
  'recommendations.interactions',
  'the views, cart adds and purchases recommendations learn from',
);
