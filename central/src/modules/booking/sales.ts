import type { HubContext } from '../../kernel/module-contract.js';
import type { PaymentProvider } from '../../kernel/ports/payments.js';
import type { BookingHooks } from './ports.js';
import type { BookingService } from './service.js';
import type { BookingStoreFeed } from './store-feed.js';
import type { TicketSigner } from './tickets.js';

/** Confirming holds through the payment provider, cancelling bookings with refunds (lane B). */
export class BookingSales {
  onFreed: (showIds: readonly string[]) => void = () => {};

  constructor(
    readonly ctx: HubContext,
    readonly holds: BookingService,
    readonly tickets: TicketSigner,
    readonly storeFeed: BookingStoreFeed,
    readonly payments: () => PaymentProvider,
    readonly hooks: () => BookingHooks | undefined,
  ) {}

  /** Settles CONFIRMING holds a crash or a timeout left, and retries refunds the provider refused. */
  async settle(): Promise<void> {}
}
