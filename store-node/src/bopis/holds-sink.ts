import { checkEventPayload } from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { BopisService } from './bopis-service.js';

/**
 * The sink of the hub's `holds` bootstrap section (a cold start, and the re-pull after a `feed-skip`): each row is a
 * `reservation.changed` payload, applied as the feed applies one, so a newer copy at the store is kept. A row that is
 * not a hold is refused alone and logged; the rest of the page still applies.
 */
export function holdsSink(bopis: BopisService, log: SyncLogger): BootstrapSink {
  return (_db, rows) => {
    let refused = 0;
    let reason = '';
    for (const row of rows) {
      const checked = checkEventPayload('reservation.changed', row);
      if (checked.ok) bopis.applyHold(checked.data);
      else if (refused++ === 0) reason = checked.reason;
    }
    if (refused)
      log.warn({ refused, reason }, `refused ${refused} hold(s) from the hub's holds section that are not holds`);
  };
}
