import type { HubContext } from '../../kernel/module-contract.js';
import type { BookingHooks } from './ports.js';
import type { SeatHolder } from './types.js';

/** Waitlists of sold-out shows: freed seats offered in order, each offer a hold (lane B). */
export class Waitlist {
  constructor(
    readonly ctx: HubContext,
    readonly holds: SeatHolder,
    readonly hooks: () => BookingHooks | undefined,
  ) {}

  async offerFreed(_showIds: readonly string[]): Promise<void> {}

  async offerAll(): Promise<void> {}
}
