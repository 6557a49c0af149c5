import type { Queryable } from '../../db/db.js';
import type { FeedItem } from '../../kernel/feed-writer.js';
import type { SnapshotSource } from '../../kernel/module-contract.js';
import { storeCopy } from './feed-copy.js';
import { DeliveryRepository, type DeskRows } from './repository.js';
import type { Delivery } from './types.js';

/** Deliveries not finished: waiting for or with their carrier, or failed with their goods on the way back. */
const UNFINISHED: readonly Delivery['status'][] = [
  'REQUESTED',
  'ASSIGNED',
  'OUT_FOR_DELIVERY',
  'ARRIVING',
  'FAILED',
  'RETURNING',
];
/**
 * Finished ones still matter for this long: the desk lists a day's hand-overs and returns, and a cancelled delivery's
 * copy keeps its hold from the pickup desk. Its window, or its last change, within two days.
 */
const FINISHED_KEPT_MS = 2 * 86_400_000;

const deskRows = (now: number): DeskRows => ({ statuses: UNFINISHED, since: now - FINISHED_KEPT_MS });

/**
 * The `deliveries` section of a store's cold start: the deliveries leaving from it that its desk shows, in id order,
 * each row exactly the payload of a `delivery.changed` feed entry, so the store applies it as it applies the feed (the
 * newer copy by `updatedAt` wins). A new disk, or one restored from a backup whose feed entries retention removed,
 * learns of them here — before the `holds` section (sections come in module name order), so the pickup desk never
 * hands a delivery's hold to a walk-in customer. The store pulls it again after a `feed-skip`.
 */
export function deliveryBootstrap(now: () => number): SnapshotSource {
  return {
    count: (q, storeId) => new DeliveryRepository(q).deskCount(storeId, deskRows(now())),
    async page(q, storeId, after, limit) {
      const found = await new DeliveryRepository(q).deskCopies(storeId, deskRows(now()), after, limit);
      return {
        rows: found.map((f) => storeCopy(f.delivery, f.carrier).payload),
        next: found.length === limit ? found.at(-1)!.delivery.id : null,
      };
    },
  };
}

/**
 * The delivery module's reconcile entries for a rebased feed (a hub restored from an older backup): the store's
 * deliveries as the hub has them now, as `delivery.changed` entries stamped with the rebase's time. The store may hold
 * newer copies from the lost entries (a cancel, an assignment the hub no longer knows); stamped later, the hub's
 * copies replace them, as they would if the store pulled them fresh. What the store did itself (a hand-over) it keeps.
 */
export function deliveryReconciler(now: () => number): (tx: Queryable, storeId: string) => Promise<FeedItem[]> {
  return async (tx, storeId) => {
    const at = now();
    const found = await new DeliveryRepository(tx).deskCopies(storeId, deskRows(at), null, null);
    return found.map((f) => storeCopy({ ...f.delivery, updatedAt: Math.max(f.delivery.updatedAt, at) }, f.carrier));
  };
}
