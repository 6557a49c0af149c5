import type { Queryable } from '../../../db/db.js';
import type { ShowKind, ShowStatus } from '../types.js';

/** What the live map needs to know of a show once, when its first viewer comes. */
export interface WatchedShow {
  readonly id: string;
  readonly kind: ShowKind;
  /** SEATED: the venue's seat map's length (seat numbers 0..seatCount-1); CAPACITY: 0. */
  readonly seatCount: number;
  /** Seat numbers of the map with no seat behind them (an aisle, a removed seat): shown as not for sale. */
  readonly gaps: readonly number[];
}

/** The show's state now, read once per tick for all its viewers. */
export interface ShowNow {
  readonly status: ShowStatus;
  /** When it starts: sales end then (no hold is taken after), and so does the live map. */
  readonly startsAt: number;
  /** CAPACITY: places left (capacity − taken); SEATED: the show's capacity minus its claims, unused by the map. */
  readonly placesLeft: number;
  /** SEATED: seats held (a live hold's, not paid yet) and sold (a booking's). */
  readonly held: readonly number[];
  readonly sold: readonly number[];
}

/** The live seat map's SQL (Postgres and PGlite run the same text). */
export class SeatMapRepository {
  constructor(readonly db: Queryable) {}

  /** The show and its map's shape, or undefined when there is no such show. */
  async watched(showId: string): Promise<WatchedShow | undefined> {
    const { rows } = await this.db.query<{ id: string; kind: ShowKind; seat_count: number; seats: string }>(
      `SELECT s.id, s.kind, v.seat_count,
              (SELECT count(*) FROM booking_seats b WHERE b.venue_id = s.venue_id) AS seats
         FROM booking_shows s JOIN booking_venues v ON v.id = s.venue_id
        WHERE s.id = $1`,
      [showId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const seatCount = row.kind === 'SEATED' ? Number(row.seat_count) : 0;
    let gaps: number[] = [];
    // Only a map with holes pays for the look-up of which numbers they are.
    if (seatCount > 0 && Number(row.seats) < seatCount) {
      const found = await this.db.query<{ seat_no: number }>(
        `SELECT g::int AS seat_no
           FROM generate_series(0, $2::int - 1) AS g
          WHERE NOT EXISTS (
            SELECT 1 FROM booking_seats b JOIN booking_shows s ON s.venue_id = b.venue_id
             WHERE s.id = $1 AND b.seat_no = g)`,
        [showId, seatCount],
      );
      gaps = found.rows.map((r) => Number(r.seat_no));
    }
    return { id: row.id, kind: row.kind, seatCount, gaps };
  }

  /**
   * The show's claims and status now: one statement per show per tick, whoever watches. It reads the database, not
   * this process's events, so holds placed on another hub replica are seen the same way.
   */
  async now(showId: string): Promise<ShowNow | undefined> {
    const { rows } = await this.db.query<{
      status: ShowStatus;
      starts_at: string | number;
      capacity: number;
      taken: number;
      held: number[] | null;
      sold: number[] | null;
    }>(
      `SELECT s.status, s.starts_at, s.capacity, s.taken, c.held, c.sold
         FROM booking_shows s,
              LATERAL (SELECT array_agg(seat_no) FILTER (WHERE NOT sold) AS held,
                              array_agg(seat_no) FILTER (WHERE sold) AS sold
                         FROM booking_seat_claims WHERE show_id = s.id) AS c
        WHERE s.id = $1`,
      [showId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      status: row.status,
      startsAt: Number(row.starts_at),
      placesLeft: Math.max(0, Number(row.capacity) - Number(row.taken)),
      held: (row.held ?? []).map(Number),
      sold: (row.sold ?? []).map(Number),
    };
  }
}
