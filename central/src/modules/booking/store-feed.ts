import { feedEntry } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { StoreCopyRepository } from './store-copy-repository.js';
import type { Hold, Show } from './types.js';

/**
 * What a store hears of booking through its feed: the shows it runs (`booking.show`: its kiosk lists them, its door
 * checks tickets against them) and the bookings of them cancelled (`booking.cancelled`: the door refuses their tickets,
 * offline too). Called inside the transaction that makes the change, so the entry exists exactly when the change
 * does; a show of a head-office venue (no store) appends nothing.
 */
export class BookingStoreFeed {
  constructor(readonly ctx: HubContext) {}

  /** The show as its store keeps it; `version` lets the store keep the newest copy when entries come twice or late. */
  async showChanged(tx: Queryable, show: Show, venueName: string): Promise<void> {
    if (!show.storeId) return;
    const repo = new StoreCopyRepository(tx);
    const priceFromMinor =
      show.kind === 'CAPACITY' ? (show.priceMinor ?? 0) : ((await repo.cheapestSection(show.venueId)) ?? 0);
    // a caller that did not have the venue's name at hand: the store's copy still names it
    const venue = venueName.trim() || (await repo.venueName(show.venueId)) || 'Venue';
    await this.ctx.feed.append(tx, show.storeId, [
      feedEntry('booking.show', {
        showId: show.id,
        storeId: show.storeId,
        venueName: venue.slice(0, 120),
        title: show.title.slice(0, 200),
        kind: show.kind,
        startsAt: show.startsAt,
        endsAt: show.endsAt,
        capacity: show.capacity,
        priceFromMinor,
        currency: show.currency,
        status: show.status,
        version: show.version,
      }),
    ]);
  }

  /** A booking of a store's show cancelled: its tickets no longer let in at that store's door. */
  async bookingCancelled(tx: Queryable, booking: Hold, show: Show): Promise<void> {
    if (!show.storeId) return;
    await this.ctx.feed.append(tx, show.storeId, [
      feedEntry('booking.cancelled', {
        bookingId: booking.id,
        showId: show.id,
        storeId: show.storeId,
        cancelledAt: booking.endedAt ?? this.ctx.now(),
      }),
    ]);
  }
}
