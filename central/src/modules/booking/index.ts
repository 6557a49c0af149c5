import { Router } from 'express';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { PAYMENTS } from '../../kernel/ports/payments.js';
import { admissionHandlers } from './admissions.js';
import { bookingBootstrap, bookingReconciler } from './bootstrap.js';
import { SeatMapLive } from './live/seat-map-live.js';
import { BOOKING_HOOKS } from './ports.js';
import { bookingRoutes } from './routes.js';
import { BookingSales } from './sales.js';
import { salesRoutes } from './sales-routes.js';
import { BookingService } from './service.js';
import { BookingStoreFeed } from './store-feed.js';
import { TicketSigner } from './tickets.js';
import { Waitlist } from './waitlist.js';

export { clockIn, dayAndClockIn } from './clock.js';
export { BOOKING_HOOKS, type BookingHooks, type BookingNotice } from './ports.js';
export type { Hold, HoldRequest, Seat, Section, Show, Venue } from './types.js';

/** How often one hub of the cluster frees holds past their expiry (the bound: within 5 s of expiry). */
const EXPIRE_HOLDS_EVERY_MS = 1_000;
/** How often one hub settles payments left CONFIRMING by a crash or timeout, retries refunds, and offers freed seats. */
const SETTLE_EVERY_MS = 5_000;

/** The module's parts for one hub (several hubs may share this module object in a test process). */
export interface BookingParts {
  readonly storeFeed: BookingStoreFeed;
  readonly holds: BookingService;
  readonly tickets: TicketSigner;
  readonly sales: BookingSales;
  readonly waitlist: Waitlist;
  readonly live: SeatMapLive;
}
const partsByHub = new WeakMap<HubContext, BookingParts>();
export function bookingParts(ctx: HubContext): BookingParts {
  let p = partsByHub.get(ctx);
  if (!p) {
    const storeFeed = new BookingStoreFeed(ctx);
    const holds = new BookingService(ctx, storeFeed);
    const tickets = new TicketSigner(ctx);
    const hooks = () => ctx.services.find(BOOKING_HOOKS);
    const sales = new BookingSales(ctx, holds, tickets, storeFeed, () => ctx.services.get(PAYMENTS), hooks);
    const waitlist = new Waitlist(ctx, holds, hooks);
    const live = new SeatMapLive(ctx, holds);
    // Seats or places given back (expired, released, payment refused, cancelled): the waitlist offers them in order.
    holds.onFreed = (showIds) => {
      live.changed(showIds);
      waitlist.offerFreed(showIds).catch((err: unknown) => ctx.log.warn({ err }, 'booking waitlist offer failed'));
    };
    sales.onFreed = holds.onFreed;
    // Held, sold, or cancelled here: the live map reads the show at its next tick (else once a second, for other hubs).
    holds.onChanged = (showIds) => live.changed(showIds);
    sales.onChanged = holds.onChanged;
    p = { storeFeed, holds, tickets, sales, waitlist, live };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * Booking (issue #19): venues with seat maps, shows and service slots; holds of seats or places for 10 minutes, all
 * or nothing, never two on one seat (a unique key per show and seat); confirmation through the hub's payment provider;
 * cancellation with refund rules; waitlists; a live seat map; tickets signed for offline checks at a store's door.
 */
export const hubModule: HubModule = {
  name: 'booking',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    // the shows and one show's seat map, holds, bookings and waitlist at #/booking?show=…; a manager sees their store's
    pages: [{ path: 'booking', title: 'Bookings', script: 'booking.js', roles: ['ADMIN', 'STORE_MANAGER'] }],
  },
  needs: [PAYMENTS],
  // the customers' notices (central/src/workflows/booking-notices.ts); absent, nobody is told
  uses: [BOOKING_HOOKS],
  routes(ctx) {
    const p = bookingParts(ctx);
    const r = Router();
    r.use(bookingRoutes(p.holds));
    r.use(salesRoutes(p.sales, p.waitlist, p.tickets, p.holds));
    return r;
  },
  // A new store disk gets the shows it runs and the bookings of them cancelled (its door refuses those offline).
  bootstrap: (ctx) => ({ booking: bookingBootstrap(ctx) }),
  sockets: (ctx) => bookingParts(ctx).live.sockets,
  eventHandlers: (ctx) => admissionHandlers(ctx),
  async start(ctx) {
    const p = bookingParts(ctx);
    await p.tickets.load();
    // A rebased feed (a hub restored from an older backup) gets the store's shows and cancelled bookings as they are now.
    ctx.feed.reconcileWith('booking', bookingReconciler(ctx.now));
    await p.live.start();
    // On the hub's job runner: one run per period across hub processes; a failed one is logged, the next period retries.
    ctx.jobs.define({
      name: 'booking.expire-holds',
      run: async () => {
        const expired = await p.holds.expireDue();
        if (expired) ctx.log.debug({ expired }, 'booking holds expired');
      },
    });
    ctx.jobs.define({
      name: 'booking.settle',
      run: async () => {
        await p.sales.settle();
        await p.waitlist.offerAll();
      },
    });
    await ctx.jobs.schedule('booking.expire-holds', { everyMs: EXPIRE_HOLDS_EVERY_MS });
    await ctx.jobs.schedule('booking.settle', { everyMs: SETTLE_EVERY_MS });
  },
  async stop(ctx) {
    await partsByHub.get(ctx)?.live.stop();
  },
};
