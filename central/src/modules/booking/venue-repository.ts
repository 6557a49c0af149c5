import type { Queryable } from '../../db/db.js';
import type { Seat, SeatKind, Section, Show, Venue } from './types.js';

/** A seat's label as tickets, maps and errors say it: `STALLS-C-12`. */
export const seatLabel = (section: string, row: string, number: number): string => `${section}-${row}-${number}`;

interface VenueRow {
  id: string;
  store_id: string | null;
  name: string;
  time_zone: string;
  currency: string;
  seat_count: number;
  created_at: number;
}
interface ShowRow {
  id: string;
  venue_id: string;
  store_id: string | null;
  title: string;
  kind: Show['kind'];
  starts_at: number;
  ends_at: number;
  capacity: number;
  taken: number;
  price_minor: number | null;
  currency: string;
  hold_minutes: number | null;
  refund_cutoff_hours: number | null;
  status: Show['status'];
  version: number;
  created_at: number;
}
interface SeatRow {
  seat_no: number;
  section_code: string;
  row_label: string;
  number: number;
  kind: SeatKind;
}

export const SHOW_COLUMNS = `id, venue_id, store_id, title, kind, starts_at, ends_at, capacity, taken, price_minor, currency,
  hold_minutes, refund_cutoff_hours, status, version, created_at`;

export const toShow = (r: ShowRow): Show => ({
  id: r.id,
  venueId: r.venue_id,
  storeId: r.store_id,
  title: r.title,
  kind: r.kind,
  startsAt: Number(r.starts_at),
  endsAt: Number(r.ends_at),
  capacity: r.capacity,
  taken: r.taken,
  priceMinor: r.price_minor,
  currency: r.currency,
  holdMinutes: r.hold_minutes,
  refundCutoffHours: r.refund_cutoff_hours,
  status: r.status,
  version: Number(r.version),
  createdAt: Number(r.created_at),
});
const toSeat = (r: SeatRow): Seat => ({
  seatNo: r.seat_no,
  section: r.section_code,
  row: r.row_label,
  number: r.number,
  kind: r.kind,
  label: seatLabel(r.section_code, r.row_label, r.number),
});

/** A venue's seats as column arrays in seat-number order (what one batched insert takes). */
export interface SeatColumns {
  readonly sections: string[];
  readonly rows: string[];
  readonly numbers: number[];
  readonly kinds: SeatKind[];
}

/** Seats inserted per statement (unnest of column arrays). */
const SEAT_BATCH = 10_000;

/** The booking module's SQL for venues, their sections and seats, and shows (Postgres and PGlite run the same text). */
export class VenueRepository {
  constructor(readonly q: Queryable) {}

  // ---- venues -------------------------------------------------------------------------------------------------

  async insertVenue(v: Omit<Venue, 'sections'>, sections: readonly Section[], seats: SeatColumns): Promise<void> {
    await this.q.query(
      `INSERT INTO booking_venues (id, store_id, name, time_zone, currency, seat_count, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [v.id, v.storeId, v.name, v.timeZone, v.currency, v.seatCount, v.createdAt],
    );
    await this.q.query(
      `INSERT INTO booking_sections (venue_id, code, name, price_minor)
       SELECT $1, code, name, price FROM unnest($2::text[], $3::text[], $4::int[]) AS s(code, name, price)`,
      [v.id, sections.map((s) => s.code), sections.map((s) => s.name), sections.map((s) => s.priceMinor)],
    );
    for (let from = 0; from < seats.numbers.length; from += SEAT_BATCH) {
      const to = Math.min(from + SEAT_BATCH, seats.numbers.length);
      await this.q.query(
        `INSERT INTO booking_seats (venue_id, seat_no, section_code, row_label, number, kind)
         SELECT $1, $2::int + n - 1, sec, rw, num, k
         FROM unnest($3::text[], $4::text[], $5::int[], $6::text[]) WITH ORDINALITY AS s(sec, rw, num, k, n)`,
        [
          v.id,
          from,
          seats.sections.slice(from, to),
          seats.rows.slice(from, to),
          seats.numbers.slice(from, to),
          seats.kinds.slice(from, to),
        ],
      );
    }
  }

  /**
   * Whether the hub has a store of this id (the hub's `locations`, read here: the kernel has no port for them and a
   * module imports no other module).
   */
  async storeExists(storeId: string): Promise<boolean> {
    const { rows } = await this.q.query(`SELECT 1 FROM locations WHERE kind = 'STORE' AND id::text = $1`, [storeId]);
    return rows.length > 0;
  }

  async venue(id: string): Promise<Venue | undefined> {
    const { rows } = await this.q.query<VenueRow>(
      `SELECT id, store_id, name, time_zone, currency, seat_count, created_at FROM booking_venues WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return { ...this.#venue(r), sections: await this.sections(id) };
  }

  async venues(storeId: string | null | undefined): Promise<Venue[]> {
    const { rows } = await this.q.query<VenueRow>(
      `SELECT id, store_id, name, time_zone, currency, seat_count, created_at FROM booking_venues
       WHERE ($1::boolean OR store_id IS NOT DISTINCT FROM $2) ORDER BY created_at, id LIMIT 500`,
      [storeId === undefined, storeId ?? null],
    );
    const out: Venue[] = [];
    for (const r of rows) out.push({ ...this.#venue(r), sections: await this.sections(r.id) });
    return out;
  }

  #venue(r: VenueRow): Omit<Venue, 'sections'> {
    return {
      id: r.id,
      storeId: r.store_id,
      name: r.name,
      timeZone: r.time_zone,
      currency: r.currency,
      seatCount: r.seat_count,
      createdAt: Number(r.created_at),
    };
  }

  async sections(venueId: string): Promise<Section[]> {
    const { rows } = await this.q.query<{ code: string; name: string; price_minor: number }>(
      `SELECT code, name, price_minor FROM booking_sections WHERE venue_id = $1
       ORDER BY (SELECT min(seat_no) FROM booking_seats s WHERE s.venue_id = $1 AND s.section_code = code), code`,
      [venueId],
    );
    return rows.map((r) => ({ code: r.code, name: r.name, priceMinor: r.price_minor }));
  }

  /** Every seat of a venue in seat-number order. */
  async seats(venueId: string): Promise<Seat[]> {
    const { rows } = await this.q.query<SeatRow>(
      `SELECT seat_no, section_code, row_label, number, kind FROM booking_seats WHERE venue_id = $1 ORDER BY seat_no`,
      [venueId],
    );
    return rows.map(toSeat);
  }

  async seatLabels(venueId: string, seatNos: readonly number[]): Promise<string[]> {
    const { rows } = await this.q.query<SeatRow>(
      `SELECT seat_no, section_code, row_label, number, kind FROM booking_seats
       WHERE venue_id = $1 AND seat_no = ANY($2::int[]) ORDER BY seat_no`,
      [venueId, seatNos],
    );
    return rows.map((r) => seatLabel(r.section_code, r.row_label, r.number));
  }

  // ---- shows --------------------------------------------------------------------------------------------------

  async insertShow(s: Omit<Show, 'version'> & { readonly updatedAt: number }): Promise<Show> {
    const { rows } = await this.q.query<ShowRow>(
      `INSERT INTO booking_shows (id, venue_id, store_id, title, kind, starts_at, ends_at, capacity, taken, price_minor,
         currency, hold_minutes, refund_cutoff_hours, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14, $15) RETURNING ${SHOW_COLUMNS}`,
      [
        s.id,
        s.venueId,
        s.storeId,
        s.title,
        s.kind,
        s.startsAt,
        s.endsAt,
        s.capacity,
        s.priceMinor,
        s.currency,
        s.holdMinutes,
        s.refundCutoffHours,
        s.status,
        s.createdAt,
        s.updatedAt,
      ],
    );
    return toShow(rows[0]!);
  }

  async show(showId: string): Promise<Show | undefined> {
    const { rows } = await this.q.query<ShowRow>(`SELECT ${SHOW_COLUMNS} FROM booking_shows WHERE id = $1`, [showId]);
    return rows[0] ? toShow(rows[0]) : undefined;
  }

  /** Shows by start time then id, after a cursor (`startsAt:id`). */
  async shows(f: {
    storeId?: string | null;
    from?: number;
    to?: number;
    after?: { startsAt: number; id: string };
    limit: number;
  }): Promise<Show[]> {
    const { rows } = await this.q.query<ShowRow>(
      `SELECT ${SHOW_COLUMNS} FROM booking_shows
       WHERE ($1::boolean OR store_id IS NOT DISTINCT FROM $2)
         AND ($3::bigint IS NULL OR starts_at >= $3) AND ($4::bigint IS NULL OR starts_at < $4)
         AND ($5::bigint IS NULL OR (starts_at, id) > ($5, $6::uuid))
       ORDER BY starts_at, id LIMIT $7`,
      [
        f.storeId === undefined,
        f.storeId ?? null,
        f.from ?? null,
        f.to ?? null,
        f.after?.startsAt ?? null,
        f.after?.id ?? null,
        f.limit,
      ],
    );
    return rows.map(toShow);
  }

  /** Seats claimed per SEATED show, for a page of shows in one statement (a show with none is absent). */
  async claimedCounts(showIds: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.q.query<{ show_id: string; n: number }>(
      `SELECT show_id, count(*)::int AS n FROM booking_seat_claims WHERE show_id = ANY($1::uuid[]) GROUP BY show_id`,
      [showIds],
    );
    return new Map(rows.map((r) => [r.show_id, r.n]));
  }

  /** Every claimed seat of a show and whether it is sold. */
  async claims(showId: string): Promise<{ seatNo: number; sold: boolean }[]> {
    const { rows } = await this.q.query<{ seat_no: number; sold: boolean }>(
      `SELECT seat_no, sold FROM booking_seat_claims WHERE show_id = $1`,
      [showId],
    );
    return rows.map((r) => ({ seatNo: r.seat_no, sold: r.sold }));
  }

  /** Which of `seatNos` are claimed at the show now. */
  async claimedOf(showId: string, seatNos: readonly number[]): Promise<number[]> {
    const { rows } = await this.q.query<{ seat_no: number }>(
      `SELECT seat_no FROM booking_seat_claims WHERE show_id = $1 AND seat_no = ANY($2::int[]) ORDER BY seat_no`,
      [showId, seatNos],
    );
    return rows.map((r) => r.seat_no);
  }
}
