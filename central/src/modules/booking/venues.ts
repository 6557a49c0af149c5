import { NotFoundError, UnprocessableError, uuidv7 } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { clockIn } from './clock.js';
import { BookingRepository } from './repository.js';
import { layOut, type NewVenue } from './seat-layout.js';
import type { BookingStoreFeed } from './store-feed.js';
import type { Seat, Show, Venue } from './types.js';

/** Venues whose seats are kept in memory (a venue's seats never change once created). */
const SEAT_CACHE = 32;

/** A new show as head office or a store's manager describes it. */
export interface NewShow {
  readonly venueId: string;
  readonly title: string;
  readonly kind: Show['kind'];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly capacity?: number | undefined;
  readonly priceMinor?: number | undefined;
  readonly holdMinutes?: number | undefined;
  readonly refundCutoffHours?: number | undefined;
}

/** A show with what is left of it (seats or places). */
export type ShowSummary = Show & { readonly left: number };

/** The seat map of a show, compact: one character per seat. */
export interface SeatMap {
  readonly show: ShowSummary;
  readonly sections: readonly { code: string; name: string; priceMinor: number }[];
  readonly rows: readonly { section: string; row: string; firstSeatNo: number; numbers: number[]; kinds: string }[];
  readonly seats: string;
  readonly free: number;
}

const KIND_CHAR = { STANDARD: 'S', WHEELCHAIR: 'W', COMPANION: 'C' } as const;

/** Venues, their seats, and shows (lane A); BookingService (service.ts) adds the holds on top. */
export class BookingVenues {
  readonly #seats = new Map<string, Seat[]>();

  constructor(
    readonly ctx: HubContext,
    readonly storeFeed: BookingStoreFeed,
  ) {}

  get repo(): BookingRepository {
    return new BookingRepository(this.ctx.db);
  }

  // ---- venues -------------------------------------------------------------------------------------------------

  async createVenue(v: NewVenue): Promise<Venue> {
    const { sections, seats } = layOut(v);
    const venue: Venue = {
      id: uuidv7(this.ctx.now()),
      storeId: v.storeId ?? null,
      name: v.name,
      timeZone: v.timeZone,
      currency: v.currency,
      seatCount: seats.numbers.length,
      sections,
      createdAt: this.ctx.now(),
    };
    await this.ctx.db.transaction(async (tx) => {
      const repo = new BookingRepository(tx);
      // a store's venue names one of the hub's stores (its show's feed entries go to that store: F7)
      if (venue.storeId !== null && !(await repo.storeExists(venue.storeId)))
        throw new UnprocessableError(`there is no store ${venue.storeId}`);
      await repo.insertVenue(venue, sections, seats);
    });
    return venue;
  }

  venue(venueId: string): Promise<Venue | undefined> {
    return this.repo.venue(venueId);
  }

  venues(storeId: string | null | undefined): Promise<Venue[]> {
    return this.repo.venues(storeId);
  }

  /** A venue's seats in seat-number order (kept: they never change). */
  async seats(venueId: string): Promise<Seat[]> {
    let s = this.#seats.get(venueId);
    if (!s) {
      s = await this.repo.seats(venueId);
      if (this.#seats.size >= SEAT_CACHE) this.#seats.delete(this.#seats.keys().next().value as string);
      this.#seats.set(venueId, s);
    }
    return s;
  }

  // ---- shows --------------------------------------------------------------------------------------------------

  async createShow(s: NewShow, venue: Venue): Promise<Show> {
    const now = this.ctx.now();
    if (s.endsAt <= s.startsAt) throw new UnprocessableError('a show ends after it starts (endsAt after startsAt)');
    if (s.startsAt <= now) throw new UnprocessableError('a show starts in the future: startsAt has passed');
    if (s.kind === 'SEATED' && (s.capacity !== undefined || s.priceMinor !== undefined))
      throw new UnprocessableError(
        'a SEATED show sells the venue’s seats at its sections’ prices: leave out capacity and priceMinor',
      );
    if (s.kind === 'CAPACITY' && (s.capacity === undefined || s.priceMinor === undefined))
      throw new UnprocessableError(
        'a CAPACITY slot needs its number of places (capacity) and their price (priceMinor)',
      );
    if (s.kind === 'SEATED' && venue.seatCount === 0)
      throw new UnprocessableError(`venue ${venue.name} has no seats for a SEATED show`);
    return this.ctx.db.transaction(async (tx) => {
      const show = await new BookingRepository(tx).insertShow({
        id: uuidv7(now),
        venueId: venue.id,
        storeId: venue.storeId,
        title: s.title,
        kind: s.kind,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        capacity: s.kind === 'SEATED' ? venue.seatCount : (s.capacity as number),
        taken: 0,
        priceMinor: s.kind === 'SEATED' ? null : (s.priceMinor as number),
        currency: venue.currency,
        holdMinutes: s.holdMinutes ?? null,
        refundCutoffHours: s.refundCutoffHours ?? null,
        status: 'ON_SALE',
        createdAt: now,
        updatedAt: now,
      });
      if (show.storeId) await this.storeFeed.showChanged(tx, show, venue.name);
      return show;
    });
  }

  show(showId: string): Promise<Show | undefined> {
    return this.repo.show(showId);
  }

  async summary(show: Show): Promise<ShowSummary> {
    return (await this.summaries([show]))[0] as ShowSummary;
  }

  /** Shows with what is left of each (one count for the page's SEATED shows); nothing is left once closed. */
  async summaries(shows: readonly Show[]): Promise<ShowSummary[]> {
    const seated = shows.filter((s) => s.kind === 'SEATED').map((s) => s.id);
    const claimed = seated.length ? await this.repo.claimedCounts(seated) : new Map<string, number>();
    const now = this.ctx.now();
    return shows.map((show) => {
      const left = show.capacity - (show.kind === 'CAPACITY' ? show.taken : (claimed.get(show.id) ?? 0));
      return { ...show, left: show.status === 'ON_SALE' && show.startsAt > now ? left : 0 };
    });
  }

  shows(f: Parameters<BookingRepository['shows']>[0]): Promise<Show[]> {
    return this.repo.shows(f);
  }

  async seatMap(show: Show): Promise<SeatMap> {
    const venue = await this.repo.venue(show.venueId);
    if (!venue) throw new NotFoundError('venue', show.venueId);
    const summary = await this.summary(show);
    if (show.kind === 'CAPACITY')
      return { show: summary, sections: venue.sections, rows: [], seats: '', free: summary.left };
    const seats = await this.seats(show.venueId);
    const open = show.status === 'ON_SALE' && show.startsAt > this.ctx.now();
    const chars = new Array<string>(seats.length).fill(open ? '.' : 'x');
    let free = open ? seats.length : 0;
    for (const c of await this.repo.claims(show.id)) {
      if (c.seatNo >= chars.length) continue;
      chars[c.seatNo] = c.sold ? 's' : open ? 'h' : 'x';
      if (open) free--;
    }
    const rows: { section: string; row: string; firstSeatNo: number; numbers: number[]; kinds: string }[] = [];
    for (const s of seats) {
      const last = rows[rows.length - 1];
      if (last && last.section === s.section && last.row === s.row) {
        last.numbers.push(s.number);
        last.kinds += KIND_CHAR[s.kind];
      } else
        rows.push({
          section: s.section,
          row: s.row,
          firstSeatNo: s.seatNo,
          numbers: [s.number],
          kinds: KIND_CHAR[s.kind],
        });
    }
    return { show: summary, sections: venue.sections, rows, seats: chars.join(''), free };
  }

  readonly #venues = new Map<string, Venue>();
  /** A show's venue, kept (a venue never changes once created). */
  protected async venueOf(show: Show): Promise<Venue> {
    let v = this.#venues.get(show.venueId);
    if (!v) {
      v = await this.repo.venue(show.venueId);
      if (!v) throw new NotFoundError('venue', show.venueId);
      if (this.#venues.size >= SEAT_CACHE) this.#venues.delete(this.#venues.keys().next().value as string);
      this.#venues.set(show.venueId, v);
    }
    return v;
  }

  /** The time a live hold ends, as a clock in the venue's zone (HH:MM). */
  async clockAt(show: Show, at: number): Promise<string> {
    const venue = await this.venueOf(show);
    return clockIn(venue.timeZone, at);
  }
}
