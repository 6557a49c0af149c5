import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';

/** A store's cold start: the shows it runs, then the bookings of them cancelled (lane D). */
export function bookingBootstrap(_ctx: HubContext): SnapshotSource {
  return {
    count: async () => 0,
    page: async () => ({ rows: [], next: null }),
  };
}
