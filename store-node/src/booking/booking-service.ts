import { createHash, randomUUID } from 'node:crypto';
import {
  AppError,
  checkEventPayload,
  ConflictError,
  NotFoundError,
  parseEventPayload,
  RateLimitedError,
  type BookingAdmitted,
  type FeedEntry,
} from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { StoreSync } from '../sync/store-sync.js';
import type { Caller } from '../access/screen-guard.js';
import type { BookingRepository, LocalShow, ScreenHold } from './booking-repository.js';
import { clockTime, dayAndTime, DOOR_OPENS_BEFORE_MS, ticketKey, verifyTicketCode } from './door.js';
import { HubUnreachable, type BookingHubCall, type HubAnswer } from './hub-client.js';
import { ticketQrSvg } from './ticket-qr.js';

/** What the kiosk's booking calls answer while the hub cannot be reached: nothing is queued. */
export const BOOKING_OFFLINE =
  'Booking needs head office and this store is offline; tickets already sold are still checked at the door.';
export const NO_TICKET_KEY = 'the ticket key has not reached this store yet';
const TICKET_KEY = 'ticket_public_key';
/** Upcoming shows the kiosk lists at most. */
const SHOWS_LIMIT = 200;

/** A show as the kiosk lists it. */
export type KioskShow = Omit<LocalShow, 'storeId' | 'version'>;

/** The hub's refusal (a 4xx problem, or its 5xx problem such as 503 "no payment provider"), passed on to the kiosk as the hub worded it. */
export class HubRefusal extends Error {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown>,
  ) {
    super(typeof problem.detail === 'string' ? problem.detail : `the hub refused (${status})`);
  }
}

export interface KioskHold {
  readonly id: string;
  readonly showId: string;
  readonly seats: string[];
  readonly places: number;
  readonly amountMinor: number;
  readonly currency: string;
  readonly expiresAt: number;
  readonly customerId: string;
}

/** A ticket as the kiosk hands it over: its code, and the code as a QR code (SVG the node drew). */
export interface KioskTicket {
  readonly ticketNo: number;
  readonly seat: string;
  readonly code: string;
  readonly qrSvg: string;
}

/** The screen that calls: its role and scope as the screen guard decided (`Caller`). */
export type BookingScreen = Pick<Caller, 'role' | 'scope'>;
/** Roles that may act on any hold placed at this store (staff finishing a customer's booking); a kiosk only its own. */
const STAFF_ROLES: ReadonlySet<string> = new Set(['lane', 'handheld']);
/** A screen places at most this many holds in HOLD_WINDOW_MS. */
export const HOLDS_PER_WINDOW = 10;
export const HOLD_WINDOW_MS = 10 * 60_000;
/** Holds placed longer ago than this are forgotten (a hold lasts minutes). */
const FORGET_HOLDS_MS = 7 * 24 * 3_600_000;

/**
 * The Idempotency-Key passed to the hub: the screen's own key, made the screen's (the hub knows one caller, the
 * store's token, so two screens that chose the same key must not share an answer).
 */
function hubKey(screen: BookingScreen, key: string | undefined): string | undefined {
  return key === undefined ? undefined : createHash('sha256').update(`${screen.scope}\n${key}`).digest('base64url');
}

export interface DoorAdmission {
  readonly admitted: true;
  /** The store's zone, for the door page to show the show's time in. */
  readonly timeZone: string;
  readonly ticket: {
    readonly title: string;
    readonly seat: string;
    readonly startsAt: number;
    readonly ticketNo: number;
    readonly bookingId: string;
  };
}

/**
 * Booking at the store (issue #19). The kiosk lists the shows and service slots this store runs (from the hub's
 * feed) and books a walk-in customer through the hub — holds and payment are head office's, so while the hub is
 * unreachable the kiosk says so and queues nothing. The door checks tickets OFFLINE: the hub's signature with the
 * cached ticket key, this store, the show and the booking not cancelled, the door's hours, and not let in before;
 * letting one in is ONE local write, the admission and its outbox event (`booking.admitted`) together.
 */
export class BookingService {
  /** Each screen's hold call in progress (`#oneAtATime`). */
  readonly #screens = new Map<string, Promise<void>>();

  constructor(
    readonly repo: BookingRepository,
    readonly sync: StoreSync,
    readonly storeId: string,
    readonly hub: BookingHubCall | undefined,
    readonly now: () => number,
    readonly profile: { readonly timeZone: string },
    readonly log: SyncLogger,
  ) {}

  /** Feed handler for `booking.show`: the highest version wins (an entry may come twice, or a parked one late). */
  applyShow(entry: FeedEntry): void {
    this.repo.upsertShow(parseEventPayload('booking.show', entry.payload));
  }

  /** Feed handler for `booking.cancelled`: recorded once; its tickets are refused at the door from then on. */
  applyCancelled(entry: FeedEntry): void {
    this.repo.cancel(parseEventPayload('booking.cancelled', entry.payload));
  }

  /**
   * The hub's `booking` cold-start section (also pulled again after a feed skip): shows, then cancelled bookings,
   * applied as the feed applies them. A row that is neither is refused alone and logged; the rest of the page applies.
   */
  applySection(rows: readonly unknown[]): void {
    let refused = 0;
    let reason = '';
    for (const row of rows) {
      const show = checkEventPayload('booking.show', row);
      if (show.ok) {
        this.repo.upsertShow(show.data);
        continue;
      }
      const cancelled = checkEventPayload('booking.cancelled', row);
      if (cancelled.ok) this.repo.cancel(cancelled.data);
      else if (refused++ === 0) reason = show.reason;
    }
    if (refused)
      this.log.warn(
        { refused, reason },
        `refused ${refused} row(s) from the hub's booking section that are not booking rows`,
      );
  }

  /** Keeps the hub's ticket public key (SPKI DER, base64url); false for one that is not an Ed25519 key. */
  saveTicketKey(publicKey: string): boolean {
    if (!ticketKey(publicKey)) return false;
    if (this.repo.key(TICKET_KEY) !== publicKey) this.repo.saveKey(TICKET_KEY, publicKey, this.now());
    return true;
  }

  ticketPublicKey(): string | undefined {
    return this.repo.key(TICKET_KEY);
  }

  /** This store's shows that have not ended, soonest first (cancelled ones too: the kiosk shows them greyed out). */
  shows(): { shows: KioskShow[]; timeZone: string } {
    return {
      timeZone: this.profile.timeZone,
      shows: this.repo.upcoming(this.now(), SHOWS_LIMIT).map(({ storeId: _s, version: _v, ...show }) => show),
    };
  }

  #show(showId: string): LocalShow {
    const show = this.repo.show(showId);
    if (!show) throw new NotFoundError('show', showId);
    return show;
  }

  async #call(method: 'POST' | 'DELETE', path: string, body?: unknown, key?: string): Promise<HubAnswer> {
    if (!this.hub) throw new AppError('unavailable', BOOKING_OFFLINE);
    let answer: HubAnswer;
    try {
      answer = await this.hub(method, path, body, key);
    } catch (err) {
      if (err instanceof HubUnreachable) throw new AppError('unavailable', BOOKING_OFFLINE, {}, { cause: err });
      throw err;
    }
    if (answer.status >= 400) throw new HubRefusal(answer.status, answer.body);
    return answer;
  }

  /**
   * Holds `places` seats (the best adjacent ones) or places of this store's show for a walk-in customer — always a
   * fresh customer id: a kiosk names no customer (a loyalty card is for later) — at the hub, and records the hold as
   * this screen's. A screen holds for one customer at a time: its earlier live hold is let go first (a customer who
   * walked away leaves nothing held for long), and it places at most HOLDS_PER_WINDOW holds in HOLD_WINDOW_MS (429 with
   * a sentence after). The hub's refusal (sold out, no N adjacent seats, show started) is passed on.
   */
  async hold(
    req: { showId: string; places: number },
    screen: BookingScreen,
    idempotencyKey?: string,
  ): Promise<{ hold: KioskHold }> {
    return this.#oneAtATime(screen.scope, async () => {
      const show = this.#show(req.showId);
      const now = this.now();
      const placed = this.repo.placedSince(screen.scope, now - HOLD_WINDOW_MS);
      if (placed.length >= HOLDS_PER_WINDOW) {
        const wait = Math.max(1, Math.ceil((placed[placed.length - HOLDS_PER_WINDOW]! + HOLD_WINDOW_MS - now) / 1000));
        throw new RateLimitedError(
          `This screen has held seats ${HOLDS_PER_WINDOW} times in ${HOLD_WINDOW_MS / 60_000} minutes. Please wait ${
            wait > 90 ? `${Math.ceil(wait / 60)} minutes` : `${wait} seconds`
          }, or ask a member of staff to book for you.`,
          wait,
        );
      }
      for (const earlier of this.repo.liveHolds(screen.scope, now)) {
        try {
          await this.#call('DELETE', `/api/booking/holds/${earlier}`, undefined, hubKey(screen, `release-${earlier}`));
        } catch (err) {
          if (!(err instanceof HubRefusal)) throw err; // offline: the new hold could not be placed either
        }
        this.repo.endHold(earlier, 'RELEASED'); // let go, or already over at the hub
      }
      const customerId = randomUUID();
      const body =
        show.kind === 'SEATED' ? { customerId, best: { count: req.places } } : { customerId, places: req.places };
      const answer = await this.#call(
        'POST',
        `/api/booking/shows/${show.showId}/holds`,
        body,
        hubKey(screen, idempotencyKey),
      );
      const h = answer.body as Partial<KioskHold> & { hold?: Partial<KioskHold> };
      const got = (h.hold ?? h) as Partial<KioskHold>;
      const hold: KioskHold = {
        id: String(got.id),
        showId: got.showId ?? show.showId,
        seats: Array.isArray(got.seats) ? got.seats.map(String) : [],
        places: Number(got.places ?? req.places),
        amountMinor: Number(got.amountMinor ?? 0),
        currency: got.currency ?? show.currency,
        expiresAt: Number(got.expiresAt),
        customerId: got.customerId ?? customerId,
      };
      this.repo.forgetHolds(now - FORGET_HOLDS_MS);
      this.repo.placeHold({
        holdId: hold.id,
        screen: screen.scope,
        showId: show.showId,
        placedAt: now,
        expiresAt: hold.expiresAt,
      });
      return { hold };
    });
  }

  /**
   * The hold `holdId` if `screen` may act on it: one this node placed — from this very screen for a kiosk; from any of
   * this store's screens for the back office or a handheld (staff finishing a customer's booking). Any other hold,
   * the hub's or another screen's, is not found, exactly as a made-up id.
   */
  #reach(holdId: string, screen: BookingScreen): ScreenHold {
    const held = this.repo.screenHold(holdId);
    if (!held || (!STAFF_ROLES.has(screen.role) && held.screen !== screen.scope))
      throw new NotFoundError('hold', holdId);
    return held;
  }

  /**
   * Pays for and books a hold this screen may act on (`#reach`) at the hub; the caller's Idempotency-Key goes with it
   * (a retry is never paid twice). Once booked, only that confirm's replay answers: a booked hold's tickets are not
   * handed to the next customer at the screen. Each ticket comes with its code as a QR code (`qrSvg`).
   */
  async confirm(
    holdId: string,
    screen: BookingScreen,
    idempotencyKey?: string,
  ): Promise<{ status: number; body: { booking: unknown; tickets: KioskTicket[] } }> {
    const held = this.#reach(holdId, screen);
    const key = hubKey(screen, idempotencyKey);
    if (held.state === 'CONFIRMED' && (key === undefined || key !== held.confirmKey))
      throw new NotFoundError('hold', holdId);
    if (held.state === 'RELEASED') throw new ConflictError('this hold was let go: choose again to book');
    const answer = await this.#call('POST', `/api/booking/holds/${holdId}/confirm`, {}, key);
    const b = answer.body as { booking?: unknown; tickets?: unknown };
    const tickets = Array.isArray(b.tickets)
      ? (b.tickets as { ticketNo?: unknown; seat?: unknown; code?: unknown }[]).map((t) => {
          const code = String(t.code ?? '');
          return { ticketNo: Number(t.ticketNo), seat: String(t.seat ?? ''), code, qrSvg: ticketQrSvg(code) };
        })
      : [];
    if (tickets.length) this.repo.endHold(holdId, 'CONFIRMED', key);
    return { status: answer.status, body: { booking: b.booking ?? null, tickets } };
  }

  /** Lets a hold this screen may act on (`#reach`) go at the hub: its seats are free again at once. */
  async release(
    holdId: string,
    screen: BookingScreen,
    idempotencyKey?: string,
  ): Promise<{ released: true; holdId: string }> {
    this.#reach(holdId, screen);
    await this.#call('DELETE', `/api/booking/holds/${holdId}`, undefined, hubKey(screen, idempotencyKey));
    this.repo.endHold(holdId, 'RELEASED');
    return { released: true, holdId };
  }

  /** Runs `work` after the screen's earlier call has finished: two holds from one screen never race its limit. */
  #oneAtATime<T>(scope: string, work: () => Promise<T>): Promise<T> {
    const before = this.#screens.get(scope) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.#screens.set(scope, settled);
    void settled.then(() => {
      if (this.#screens.get(scope) === settled) this.#screens.delete(scope);
    });
    return run;
  }

  /**
   * Checks a ticket at the door, offline: the hub's signature (cached key), this store, the show known and on, the
   * booking not cancelled, within [start − 2 h, end], and not let in before. Lets it in with one local write: the
   * admission and `booking.admitted` in the outbox together. Refusals say why in words the door reads out.
   */
  check(code: string, by: string): DoorAdmission {
    const key = this.ticketPublicKey();
    if (!key) throw new AppError('unavailable', NO_TICKET_KEY);
    const verdict = verifyTicketCode(code, key);
    if (!verdict.ok) throw new AppError('unprocessable', verdict.reason);
    const c = verdict.claim;
    if (c.storeId !== this.storeId) throw new AppError('unprocessable', 'this ticket is for another store');
    const zone = this.profile.timeZone;
    const show = this.repo.show(c.showId);
    if (!show)
      throw new ConflictError(
        'this ticket’s show has not reached this store yet: check the store is syncing, or let the customer in by hand',
      );
    if (show.status === 'CANCELLED') throw new ConflictError('this show was cancelled');
    if (this.repo.cancelledAt(c.bookingId) !== undefined) throw new ConflictError('this ticket was cancelled');
    const now = this.now();
    const opens = show.startsAt - DOOR_OPENS_BEFORE_MS;
    if (now < opens)
      throw new ConflictError(
        `this ticket is for ${dayAndTime(show.startsAt, zone)} — the door opens at ${clockTime(opens, zone)}`,
      );
    if (now > show.endsAt)
      throw new ConflictError(`this ticket was for ${dayAndTime(show.startsAt, zone)}; that show is over`);
    const before = this.repo.admittedAt(c.bookingId, c.ticketNo);
    if (before !== undefined) throw new ConflictError(`already let in at ${clockTime(before, zone)}`);
    this.sync.write((emit) => {
      // checked again inside the write: two doors scanning one ticket at once let it in once
      if (
        !this.repo.admit({ bookingId: c.bookingId, ticketNo: c.ticketNo, showId: show.showId, seat: c.seat, at: now })
      )
        throw new ConflictError(`already let in at ${clockTime(this.repo.admittedAt(c.bookingId, c.ticketNo)!, zone)}`);
      emit('booking.admitted', {
        bookingId: c.bookingId,
        ticketNo: c.ticketNo,
        showId: show.showId,
        admittedAt: now,
        by,
      } satisfies BookingAdmitted);
    });
    return {
      admitted: true,
      timeZone: zone,
      ticket: {
        title: show.title,
        seat: c.seat,
        startsAt: show.startsAt,
        ticketNo: c.ticketNo,
        bookingId: c.bookingId,
      },
    };
  }

  /** How many have been let in here for a show, of its capacity. */
  admissions(showId: string): { showId: string; admitted: number; capacity: number } {
    const show = this.#show(showId);
    return { showId, admitted: this.repo.admittedCount(showId), capacity: show.capacity };
  }
}
