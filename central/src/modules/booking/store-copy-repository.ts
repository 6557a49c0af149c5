import type { BookingCancelledEntry, BookingShowEntry } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

interface ShowRow {
  id: string;
  store_id: string;
  venue_name: string;
  title: string;
  kind: BookingShowEntry['kind'];
  starts_at: number;
  ends_at: number;
  capacity: number;
  price_from: number | null;
  currency: string;
  status: BookingShowEntry['status'];
  version: number;
}

/** A show as its store's copy (`booking.show`): the price from is the cheapest section's, or the place price. */
const SHOW_COPY = `SELECT s.id, s.store_id, v.name AS venue_name, s.title, s.kind, s.starts_at, s.ends_at, s.capacity,
    CASE WHEN s.kind = 'CAPACITY' THEN coalesce(s.price_minor, 0)
         ELSE (SELECT min(x.price_minor) FROM booking_sections x WHERE x.venue_id = s.venue_id) END AS price_from,
    s.currency, s.status, s.version
  FROM booking_shows s JOIN booking_venues v ON v.id = s.venue_id`;

export const showCopy = (r: ShowRow): BookingShowEntry => ({
  showId: r.id,
  storeId: r.store_id,
  venueName: r.venue_name.slice(0, 120),
  title: r.title.slice(0, 200),
  kind: r.kind,
  startsAt: Number(r.starts_at),
  endsAt: Number(r.ends_at),
  capacity: r.capacity,
  priceFromMinor: r.price_from === null ? 0 : Number(r.price_from),
  currency: r.currency,
  status: r.status,
  version: Number(r.version),
});

interface CancelledRow {
  id: string;
  show_id: string;
  store_id: string;
  ended_at: number | null;
  updated_at: number;
}

const cancelledCopy = (r: CancelledRow): BookingCancelledEntry => ({
  bookingId: r.id,
  showId: r.show_id,
  storeId: r.store_id,
  cancelledAt: Number(r.ended_at ?? r.updated_at),
});

/**
 * The SQL of a store's copy of booking (its feed entries, its cold-start section, its rebased feed): the shows a store
 * runs that have not ended, and the bookings of them cancelled. Postgres and PGlite run the same text.
 */
export class StoreCopyRepository {
  constructor(readonly q: Queryable) {}

  /** The cheapest seat of a venue (its cheapest section), or null for a venue with no sections. */
  async cheapestSection(venueId: string): Promise<number | null> {
    const { rows } = await this.q.query<{ p: number | null }>(
      'SELECT min(price_minor)::int AS p FROM booking_sections WHERE venue_id = $1',
      [venueId],
    );
    return rows[0]?.p ?? null;
  }

  async venueName(venueId: string): Promise<string | undefined> {
    const { rows } = await this.q.query<{ name: string }>('SELECT name FROM booking_venues WHERE id = $1', [venueId]);
    return rows[0]?.name;
  }

  async showCount(storeId: string, now: number): Promise<number> {
    const { rows } = await this.q.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM booking_shows WHERE store_id = $1 AND ends_at > $2',
      [storeId, now],
    );
    return rows[0]!.n;
  }

  /** The store's shows not ended, in id order after `after`; all of them when `limit` is null. */
  async shows(storeId: string, now: number, after: string | null, limit: number | null): Promise<BookingShowEntry[]> {
    const { rows } = await this.q.query<ShowRow>(
      `${SHOW_COPY} WHERE s.store_id = $1 AND s.ends_at > $2 AND ($3::uuid IS NULL OR s.id > $3::uuid)
       ORDER BY s.id LIMIT $4`,
      [storeId, now, after, limit],
    );
    return rows.map(showCopy);
  }

  async cancelledCount(storeId: string, now: number): Promise<number> {
    const { rows } = await this.q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking_holds h JOIN booking_shows s ON s.id = h.show_id
       WHERE s.store_id = $1 AND s.ends_at > $2 AND h.status = 'CANCELLED'`,
      [storeId, now],
    );
    return rows[0]!.n;
  }

  /** The bookings cancelled of the store's shows not ended, in id order after `after`; all when `limit` is null. */
  async cancelled(
    storeId: string,
    now: number,
    after: string | null,
    limit: number | null,
  ): Promise<BookingCancelledEntry[]> {
    const { rows } = await this.q.query<CancelledRow>(
      `SELECT h.id, h.show_id, s.store_id, h.ended_at, h.updated_at
       FROM booking_holds h JOIN booking_shows s ON s.id = h.show_id
       WHERE s.store_id = $1 AND s.ends_at > $2 AND h.status = 'CANCELLED' AND ($3::uuid IS NULL OR h.id > $3::uuid)
       ORDER BY h.id LIMIT $4`,
      [storeId, now, after, limit],
    );
    return rows.map(cancelledCopy);
  }

  /** The show a booking is of and the store it runs at, for an admission a store reports. */
  async bookingShow(bookingId: string): Promise<{ showId: string; storeId: string | null } | undefined> {
    const { rows } = await this.q.query<{ show_id: string; store_id: string | null }>(
      'SELECT h.show_id, s.store_id FROM booking_holds h JOIN booking_shows s ON s.id = h.show_id WHERE h.id = $1',
      [bookingId],
    );
    const r = rows[0];
    return r && { showId: r.show_id, storeId: r.store_id };
  }

  /** Records a ticket let in; false when it was recorded before (an event may come twice, or two doors report it). */
  async admit(a: {
    bookingId: string;
    ticketNo: number;
    showId: string;
    storeId: string;
    admittedAt: number;
    recordedAt: number;
    by: string | null;
  }): Promise<boolean> {
    const { rowCount } = await this.q.query(
      `INSERT INTO booking_admissions (booking_id, ticket_no, show_id, store_id, admitted_at, recorded_at, by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (booking_id, ticket_no) DO NOTHING`,
      [a.bookingId, a.ticketNo, a.showId, a.storeId, a.admittedAt, a.recordedAt, a.by],
    );
    return rowCount > 0;
  }
}
