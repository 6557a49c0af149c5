import type { Logger } from 'pino';
import type { Db, Queryable } from '../../../db/db.js';
import type { FeedWriter } from '../../../kernel/feed-writer.js';
import { storeCopy } from '../feed-copy.js';
import type { DeliveryHooks, DeliveryOutcome } from '../ports.js';
import type { Carrier, Delivery } from '../types.js';
import { TrackingRepository } from './tracking-repository.js';

/** What tracking's parts share: the database and its SQL, the stores' feeds, the clock, the hub's flows. */
export interface TrackingDeps {
  readonly db: Db;
  readonly repo: TrackingRepository;
  readonly feed: FeedWriter;
  readonly now: () => number;
  /** The cross-module flows told of deliveries and returns (absent: nobody is told). */
  readonly hooks: () => DeliveryHooks | undefined;
  readonly log: Logger;
}

export function trackingDeps(d: Omit<TrackingDeps, 'repo'>): TrackingDeps {
  return { ...d, repo: new TrackingRepository() };
}

/** The store's copy of the delivery as it is now, into that store's feed, in the transaction that changed it. */
export async function tellStore(
  deps: TrackingDeps,
  tx: Queryable,
  d: Delivery,
  carrier: Pick<Carrier, 'kind' | 'name'> | null,
): Promise<void> {
  await deps.feed.append(tx, d.storeId, [storeCopy(d, carrier)]);
}

export const outcomeOf = (d: Delivery, at: number): DeliveryOutcome => ({
  deliveryId: d.id,
  orderId: d.orderId,
  orderNumber: d.orderNumber,
  storeId: d.storeId,
  at,
});
