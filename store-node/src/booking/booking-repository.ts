import type { BookingCancelledEntry, BookingShowEntry, ShowKind, ShowStatus } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** A show or service slot as this store keeps it. */
export interface LocalShow {
  readonly showId: string;
  readonly storeId: string;
  readonly venueName: string;
  readonly title: string;
  readonly kind: ShowKind;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly capacity: number;
  readonly priceFromMinor: number;
  readonly currency: string;
  readonly status: ShowStatus;
  readonly version: number;
}

/** A hold a screen placed through this node (`booking_screen_holds`). */
export interface ScreenHold {
  readonly holdId: string;
  readonly screen: string;
  readonly showId: string;
  readonly expiresAt: number;
  readonly state: 'HELD' | 'CONFIRMED' | 'RELEASED';
  readonly confirmKey: string | undefined;
}

interface ShowRow {
  show_id: string;
  store_id: string;
  venue_name: string;
  title: string;
  kind: string;
  starts_at: number;
  ends_at: number;
  capacity: number;
  price_from_minor: number;
  currency: string;
  status: string;
  version: number;
}

const toShow = (r: ShowRow): LocalShow => ({
  showId: r.show_id,
  storeId: r.store_id,
  venueName: r.venue_name,
  title: r.title,
  kind: r.kind as ShowKind,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  capacity: r.capacity,
  priceFromMinor: r.price_from_minor,
  currency: r.currency,
  status: r.status as ShowStatus,
  version: r.version,
});

/** All SQL of booking at the store: the shows it runs, cancelled bookings, admissions at its door, the ticket key. */
export class BookingRepository {
  readonly #upsertShow;
  readonly #show;
  readonly #cancel;
  readonly #isCancelled;
  readonly #admission;
  readonly #admit;

  constructor(readonly db: SqliteDb) {
    // The highest version wins: an entry that comes twice, or a parked one replayed late, never undoes a newer copy.
    this.#upsertShow = db.prepare(
      `INSERT INTO booking_shows (show_id, store_id, venue_name, title, kind, starts_at, ends_at, capacity,
         price_from_minor, currency, status, version)
       VALUES (@showId, @storeId, @venueName, @title, @kind, @startsAt, @endsAt, @capacity, @priceFromMinor,
         @currency, @status, @version)
       ON CONFLICT (show_id) DO UPDATE SET
         store_id = excluded.store_id, venue_name = excluded.venue_name, title = excluded.title, kind = excluded.kind,
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, capacity = excluded.capacity,
         price_from_minor = excluded.price_from_minor, currency = excluded.currency, status = excluded.status,
         version = excluded.version
       WHERE excluded.version > booking_shows.version`,
    );
    this.#show = db.prepare('SELECT * FROM booking_shows WHERE show_id = ?');
    this.#cancel = db.prepare(
      `INSERT INTO booking_cancelled (booking_id, show_id, cancelled_at) VALUES (?, ?, ?)
       ON CONFLICT (booking_id) DO NOTHING`,
    );
    this.#isCancelled = db.prepare('SELECT cancelled_at FROM booking_cancelled WHERE booking_id = ?').pluck();
    this.#admission = db.prepare('SELECT admitted_at FROM booking_admissions WHERE booking_id = ? AND ticket_no = ?');
    this.#admit = db.prepare(
      `INSERT INTO booking_admissions (booking_id, ticket_no, show_id, seat, admitted_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (booking_id, ticket_no) DO NOTHING`,
    );
  }

  /** Keeps the hub's copy unless this store has one of the same or a higher version. True when it was taken. */
  upsertShow(s: BookingShowEntry): boolean {
    return this.#upsertShow.run(s).changes > 0;
  }

  show(showId: string): LocalShow | undefined {
    const r = this.#show.get(showId) as ShowRow | undefined;
    return r && toShow(r);
  }

  /** Shows that end after `now`, soonest first. */
  upcoming(now: number, limit: number): LocalShow[] {
    return (
      this.db
        .prepare('SELECT * FROM booking_shows WHERE ends_at > ? ORDER BY starts_at, show_id LIMIT ?')
        .all(now, limit) as ShowRow[]
    ).map(toShow);
  }

  /** Records a booking as cancelled, once; false when it was recorded before. */
  cancel(c: BookingCancelledEntry): boolean {
    return this.#cancel.run(c.bookingId, c.showId, c.cancelledAt).changes > 0;
  }

  cancelledAt(bookingId: string): number | undefined {
    return (this.#isCancelled.get(bookingId) as number | undefined) ?? undefined;
  }

  /** When this ticket was let in here, if it was. */
  admittedAt(bookingId: string, ticketNo: number): number | undefined {
    return (this.#admission.get(bookingId, ticketNo) as { admitted_at: number } | undefined)?.admitted_at;
  }

  /** Records a ticket let in; false when it was let in before. */
  admit(a: { bookingId: string; ticketNo: number; showId: string; seat: string; at: number }): boolean {
    return this.#admit.run(a.bookingId, a.ticketNo, a.showId, a.seat, a.at).changes > 0;
  }

  admittedCount(showId: string): number {
    return this.db.prepare('SELECT count(*) FROM booking_admissions WHERE show_id = ?').pluck().get(showId) as number;
  }

  /** Records a hold a screen placed through this node. */
  placeHold(h: { holdId: string; screen: string; showId: string; placedAt: number; expiresAt: number }): void {
    this.db
      .prepare(
        `INSERT INTO booking_screen_holds (hold_id, screen, show_id, placed_at, expires_at, state)
         VALUES (@holdId, @screen, @showId, @placedAt, @expiresAt, 'HELD') ON CONFLICT (hold_id) DO NOTHING`,
      )
      .run(h);
  }

  /** A hold placed through this node, or undefined for one it did not place. */
  screenHold(holdId: string): ScreenHold | undefined {
    const r = this.db
      .prepare(
        'SELECT hold_id, screen, show_id, expires_at, state, confirm_key FROM booking_screen_holds WHERE hold_id = ?',
      )
      .get(holdId) as
      | {
          hold_id: string;
          screen: string;
          show_id: string;
          expires_at: number;
          state: string;
          confirm_key: string | null;
        }
      | undefined;
    return (
      r && {
        holdId: r.hold_id,
        screen: r.screen,
        showId: r.show_id,
        expiresAt: r.expires_at,
        state: r.state as ScreenHold['state'],
        confirmKey: r.confirm_key ?? undefined,
      }
    );
  }

  /** The holds a screen placed that are still held and not past their end. */
  liveHolds(screen: string, now: number): string[] {
    return this.db
      .prepare(
        `SELECT hold_id FROM booking_screen_holds WHERE screen = ? AND state = 'HELD' AND expires_at > ?
         ORDER BY placed_at`,
      )
      .pluck()
      .all(screen, now) as string[];
  }

  /** When a screen placed its holds since `since`, oldest first. */
  placedSince(screen: string, since: number): number[] {
    return this.db
      .prepare('SELECT placed_at FROM booking_screen_holds WHERE screen = ? AND placed_at > ? ORDER BY placed_at')
      .pluck()
      .all(screen, since) as number[];
  }

  endHold(holdId: string, state: 'CONFIRMED' | 'RELEASED', confirmKey?: string): void {
    this.db
      .prepare('UPDATE booking_screen_holds SET state = ?, confirm_key = coalesce(?, confirm_key) WHERE hold_id = ?')
      .run(state, confirmKey ?? null, holdId);
  }

  /** Forgets holds placed before `before` (long over: a hold lasts minutes). */
  forgetHolds(before: number): void {
    this.db.prepare('DELETE FROM booking_screen_holds WHERE placed_at < ?').run(before);
  }

  key(name: string): string | undefined {
    return (
      (this.db.prepare('SELECT value FROM booking_keys WHERE name = ?').pluck().get(name) as string | undefined) ??
      undefined
    );
  }

  saveKey(name: string, value: string, at: number): void {
    this.db
      .prepare(
        `INSERT INTO booking_keys (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(name, value, at);
  }
}
