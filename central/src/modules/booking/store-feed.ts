import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Hold, Show } from './types.js';

/**
 * What a store hears of booking through its feed (lane D): the shows it runs (`booking.show`) and the bookings of
 * them cancelled (`booking.cancelled`). Called inside the transaction that makes the change; a show of a head-office
 * venue (no store) appends nothing.
 */
export class BookingStoreFeed {
  constructor(readonly ctx: HubContext) {}

  async showChanged(_tx: Queryable, _show: Show, _venueName: string): Promise<void> {
    throw new Error('not built');
  }

  async bookingCancelled(_tx: Queryable, _booking: Hold, _show: Show): Promise<void> {
    throw new Error('not built');
  }
}
