import { checkEventPayload } from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { DeliveryRepository } from './delivery-repository.js';

/**
 * The sink of the hub's `deliveries` bootstrap section (a cold start, and the re-pull after a `feed-skip`): each row is
 * a `delivery.changed` payload, kept as the feed keeps one (the newer copy by the hub's `updatedAt` wins; what this
 * store did — a hand-over — is never undone). A row that is not a delivery is refused alone and logged; the rest of
 * the page still applies.
 */
export function deliveriesSink(repo: DeliveryRepository, log: SyncLogger): BootstrapSink {
  return (_db, rows) => {
    let refused = 0;
    let reason = '';
    for (const row of rows) {
      const checked = checkEventPayload('delivery.changed', row);
      if (checked.ok) repo.upsertFromHub(checked.data);
      else if (refused++ === 0) reason = checked.reason;
    }
    if (refused)
      log.warn(
        { refused, reason },
        `refused ${refused} row(s) from the hub's deliveries section that are not deliveries`,
      );
  };
}
