import type { HubContext } from '../../kernel/module-contract.js';
import type { BookingStoreFeed } from './store-feed.js';
import type { Caller, Hold, HoldRequest, SeatHolder, Show } from './types.js';

/**
 * Venues, shows and holds (lane A): the rules of holding seats or places all or nothing, one live hold per customer
 * and show, and the sweeper that frees expired holds.
 */
export class BookingService implements SeatHolder {
  onFreed: (showIds: readonly string[]) => void = () => {};

  constructor(
    readonly ctx: HubContext,
    readonly storeFeed: BookingStoreFeed,
  ) {}

  async place(_caller: Caller, _req: HoldRequest, _origin: 'DIRECT' | 'WAITLIST' = 'DIRECT'): Promise<Hold> {
    throw new Error('not built');
  }

  async show(_showId: string): Promise<Show | undefined> {
    throw new Error('not built');
  }

  async hold(_holdId: string): Promise<Hold | undefined> {
    throw new Error('not built');
  }

  async expireDue(): Promise<number> {
    return 0;
  }
}
