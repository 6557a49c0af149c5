import { partitionByPayload, type BookingAdmitted } from '@storefleet/shared';
import type { AppliedEvent, EventHandler, HandlerResult } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { StoreCopyRepository } from './store-copy-repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `booking.admitted` (store → hub): a ticket let in at a store's door, maybe while it was offline. Recorded once per
 * ticket (booking_admissions' key is the booking and ticket number): the event may come twice, and a second door's
 * report of the same ticket changes nothing. Each event is refused alone, with a reason the parked list shows, when
 * its payload is malformed, its booking unknown, or the booking is of a show at another store (or another show than
 * the event says).
 */
export function admissionHandlers(ctx: HubContext): Record<string, EventHandler> {
  return {
    'booking.admitted': async (tx, events: readonly AppliedEvent[]): Promise<HandlerResult> => {
      const { valid, refused } = partitionByPayload('booking.admitted', events);
      const rejected = [...refused];
      const repo = new StoreCopyRepository(tx);
      for (const e of valid) {
        const p = e.payload as BookingAdmitted;
        const booking = UUID.test(p.bookingId) ? await repo.bookingShow(p.bookingId) : undefined;
        let reason: string | undefined;
        if (!booking) reason = `booking ${p.bookingId} not found`;
        else if (booking.storeId !== e.origin) reason = `booking ${p.bookingId} is for a show at another store`;
        else if (booking.showId !== p.showId) reason = `booking ${p.bookingId} is for another show than ${p.showId}`;
        if (reason) {
          ctx.log.warn({ bookingId: p.bookingId, storeId: e.origin, seq: e.seq }, `admission refused: ${reason}`);
          rejected.push({ seq: e.seq, reason });
          continue;
        }
        await repo.admit({
          bookingId: p.bookingId,
          ticketNo: p.ticketNo,
          showId: p.showId,
          storeId: e.origin,
          admittedAt: p.admittedAt,
          recordedAt: ctx.now(),
          by: p.by ?? null,
        });
      }
      return { rejected: rejected.sort((x, y) => x.seq - y.seq) };
    },
  };
}
