import { ConflictError, NotFoundError, UnprocessableError, uuidv7 } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { isHeadOffice, ownsAny, storeOf } from '../../kernel/access.js';
import { CallBatcher } from '../../kernel/call-batcher.js';
import type { HubContext } from '../../kernel/module-contract.js';
import {
  assertOpen,
  bestBlock,
  clash,
  labelsOf,
  list,
  named,
  OneAtATime,
  OneLive,
  type SeatAsk,
  SeatsTaken,
  seatsTaken,
} from './hold-rules.js';
import { BookingRepository, EXPIRE_BATCH, type NewHold, ONE_LIVE, SEAT_TAKEN, uniqueViolation } from './repository.js';
import type { BookingStoreFeed } from './store-feed.js';
import type { Caller, Hold, HoldRequest, HoldStatus, Seat, SeatHolder, Show } from './types.js';
import { BookingVenues } from './venues.js';

export { bestBlock, OneLive, SeatsTaken } from './hold-rules.js';
export type { NewShow, SeatMap, ShowSummary } from './venues.js';

/** How many candidate blocks a `best` hold tries when other callers win the seats first. */
const BEST_TRIES = 5;
/**
 * How long a hold may start from a show read earlier (ms of this process's monotonic clock): the hold's insert checks
 * the show's status and start in SQL again, so a stale copy only words a refusal, never lets a hold through.
 */
const SHOW_CACHE_MS = 1_000;
/** Shows kept at once (the hot ones: a show read once a second each). */
const SHOW_CACHE = 256;
/** Holds written by one group commit at most. */
const MAX_BATCH = 256;
/** Postgres's deadlock and serialization failures: the batch is retried (in halves; a single hold a few times). */
const RETRYABLE = new Set(['40P01', '40001']);
const SINGLE_TRIES = 3;
/**
 * Live holds (HELD or CONFIRMING) one store caller — a store node's token, a store manager, an associate — may have at
 * one show at once. A store node's kiosks keep one live hold a screen (the node's rule) and its counter and handhelds
 * a few more, so 8 serves a busy store's customers choosing at once, while one store caller can no longer hold a whole
 * show by inventing customer ids (at most 8 × 10 seats; #19 review F3: one node held all 100 seats of a head-office
 * show). Head office (ADMIN) is not bounded: its web and app back end sells for many customers under one key until
 * customers have accounts (#26); nor is the hub's own waitlist offer.
 */
export const STORE_CALLER_LIVE_HOLDS = 8;

/**
 * Venues and shows (BookingVenues, venues.ts) and holds (lane A): the rules of holding seats or places all or nothing
 * (hold-rules.ts), one live hold per customer and show, and the sweeper that frees expired holds.
 */
export class BookingService extends BookingVenues implements SeatHolder {
  onFreed: (showIds: readonly string[]) => void = () => {};
  /** A hold was placed (after its commit): the live seat map reads the show at its next tick. */
  onChanged: (showIds: readonly string[]) => void = () => {};
  /** Shows as last read, with when (performance.now()): the hold path's copy (see SHOW_CACHE_MS). */
  readonly #shows = new Map<string, { show: Show; at: number }>();
  /** SEATED holds' group commit: many customers' holds in one transaction, each all or nothing. */
  readonly #batcher: CallBatcher<SeatAsk, Hold>;

  constructor(ctx: HubContext, storeFeed: BookingStoreFeed) {
    super(ctx, storeFeed);
    this.#batcher = new CallBatcher((asks) => this.#holdBatch(asks), {
      concurrency: ctx.settings.tuning.holdBatches,
      maxBatch: MAX_BATCH,
      clash,
    });
  }

  // ---- holds --------------------------------------------------------------------------------------------------

  /** Whether the caller reaches the show: the hub itself, head office, anyone for head office's shows, else its store. */
  reaches(caller: Caller, show: Show): boolean {
    if (!caller.principal || isHeadOffice(caller.principal) || show.storeId === null) return true;
    return storeOf(caller.principal) === show.storeId;
  }

  /**
   * Holds seats or places all or nothing (one statement or one transaction; the seat claims' key refuses a seat held
   * twice). Refusals are problems with a sentence: 404 (no such show, or another store's), 409 (taken, full, a live
   * hold already, not on sale), 422 (unknown seats, wheelchair or companion rules).
   */
  async place(caller: Caller, req: HoldRequest, origin: 'DIRECT' | 'WAITLIST' = 'DIRECT'): Promise<Hold> {
    try {
      const bounded = origin === 'DIRECT' && caller.principal !== null && !isHeadOffice(caller.principal);
      const hold = bounded
        ? await this.#oneAtATime.run(`${caller.key} ${req.showId}`, () => this.#boundedPlace(caller, req))
        : await this.#place(caller, req, origin);
      this.onChanged([hold.showId]);
      return hold;
    } catch (err) {
      if (err instanceof OneLive) {
        const live = await this.repo.liveHold(err.show.id, req.customerId);
        // the other hold's id and end are named only to a caller who may see that hold (F4)
        const named = live && this.#sees(caller, err.show, live) ? live : undefined;
        throw new ConflictError(await this.oneLiveSentence(err.show, named), named ? { holdId: named.id } : {});
      }
      throw err;
    }
  }

  /** Whether the caller may see a hold: the caller that placed it, the hub, head office, or the show's store. */
  #sees(caller: Caller, show: Show, hold: Hold): boolean {
    return hold.createdBy === caller.key || !caller.principal || ownsAny(caller.principal, [show.storeId]);
  }

  /** A store caller's hold, refused once it has STORE_CALLER_LIVE_HOLDS live at the show. */
  async #boundedPlace(caller: Caller, req: HoldRequest): Promise<Hold> {
    const live = await this.repo.liveHoldsBy(req.showId, caller.key);
    if (live >= STORE_CALLER_LIVE_HOLDS) {
      const show = await this.#recentShow(req.showId);
      if (!show || !this.reaches(caller, show)) throw new NotFoundError('show', req.showId);
      throw new ConflictError(
        `you already have ${live} live holds at ${show.title}, the most one store caller may have at once: confirm or release one first`,
        { limit: STORE_CALLER_LIVE_HOLDS },
      );
    }
    return this.#place(caller, req, 'DIRECT');
  }

  /** Store callers' holds at one show, one at a time in this process (so parallel asks cannot pass the count together). */
  readonly #oneAtATime = new OneAtATime();

  async #place(caller: Caller, req: HoldRequest, origin: 'DIRECT' | 'WAITLIST'): Promise<Hold> {
    const repo = this.repo;
    const show = await this.#recentShow(req.showId);
    if (!show || !this.reaches(caller, show)) throw new NotFoundError('show', req.showId);
    const now = this.ctx.now();
    assertOpen(show, now);
    const expiresAt = now + (show.holdMinutes ?? this.ctx.settings.tuning.bookingHoldMinutes) * 60_000;
    const base = { showId: show.id, customerId: req.customerId, origin, currency: show.currency, expiresAt, now };
    const createdBy = caller.key;
    if (show.kind === 'CAPACITY') {
      if (req.seats || req.best)
        throw new UnprocessableError(`${show.title} is a slot of places, not seats: ask for places (1 to 10)`);
      const places = req.places ?? 1;
      const hold: NewHold = {
        ...base,
        id: uuidv7(now),
        seatNos: [],
        places,
        amountMinor: places * (show.priceMinor ?? 0),
        createdBy,
      };
      try {
        const placed = await this.ctx.db.transaction(async (tx) => {
          const r = new BookingRepository(tx);
          if (!(await r.takePlaces(show.id, places, now))) return undefined;
          return r.insertPlacesHold(hold);
        });
        if (placed) return placed;
      } catch (err) {
        throw await this.#refusal(err, show, []);
      }
      const fresh = (await this.#freshShow(show.id)) ?? show;
      assertOpen(fresh, now);
      const left = fresh.capacity - fresh.taken;
      throw new ConflictError(
        left === 0
          ? `${show.title} is full: no places left`
          : `only ${left} place${left === 1 ? '' : 's'} left at ${show.title}, not ${places}`,
        { left },
      );
    }
    if (req.places !== undefined && !req.seats && !req.best)
      throw new UnprocessableError(`${show.title} is seated: name the seats or ask for the best ones, not places`);
    if (!!req.seats === !!req.best)
      throw new UnprocessableError('name the seats (seats) or ask for the best adjacent ones (best), one of them');
    const seats = await this.seats(show.venueId);
    if (req.seats) {
      const picked = named(seats, req.seats, req.accessible === true);
      return this.#placeSeats(show, picked, { ...base, createdBy });
    }
    const best = req.best as NonNullable<HoldRequest['best']>;
    const taken = new Set((await repo.claims(show.id)).map((c) => c.seatNo));
    for (let attempt = 0; attempt < BEST_TRIES; attempt++) {
      const block = bestBlock(seats, taken, best.count, best.section);
      if (!block) break;
      try {
        return await this.#placeSeats(show, block, { ...base, createdBy });
      } catch (err) {
        if (!(err instanceof SeatsTaken)) throw err;
        for (const n of err.seatNos) taken.add(n);
      }
    }
    if (best.section && !seats.some((s) => s.section === best.section))
      throw new UnprocessableError(`there is no section ${best.section} at this venue`);
    throw new ConflictError(
      `no ${best.count} adjacent seats left${best.section ? ` in ${best.section}` : ''} for ${show.title}`,
    );
  }

  async #placeSeats(
    show: Show,
    picked: readonly Seat[],
    base: Omit<NewHold, 'id' | 'seatNos' | 'places' | 'amountMinor'>,
  ): Promise<Hold> {
    const seatNos = picked.map((s) => s.seatNo);
    const venue = await this.venueOf(show);
    const price = new Map(venue.sections.map((s) => [s.code, s.priceMinor]));
    const amountMinor = picked.reduce((a, s) => a + (price.get(s.section) ?? 0), 0);
    const hold: NewHold = { ...base, id: uuidv7(base.now), seatNos, places: seatNos.length, amountMinor };
    return this.#batcher.call({ hold, show, seats: await this.seats(show.venueId) });
  }

  /** The show as read at most SHOW_CACHE_MS ago (the hold's insert checks it again); absent shows are not kept. */
  async #recentShow(showId: string): Promise<Show | undefined> {
    const kept = this.#shows.get(showId);
    if (kept && performance.now() - kept.at < SHOW_CACHE_MS) return kept.show;
    return this.#freshShow(showId);
  }

  async #freshShow(showId: string, q: Queryable = this.ctx.db): Promise<Show | undefined> {
    const show = await new BookingRepository(q).show(showId);
    this.#shows.delete(showId);
    if (show) {
      if (this.#shows.size >= SHOW_CACHE) this.#shows.delete(this.#shows.keys().next().value as string);
      this.#shows.set(showId, { show, at: performance.now() });
    }
    return show;
  }

  /**
   * One group commit of SEATED holds, each all or nothing; the seat claims' primary key is the only guard (no row
   * locks, no advisory locks). Most batches are ONE statement committed alone: the holds whose show is on sale, whose
   * seats were all free in its snapshot and whose customer has none live there, with all their seats' claims — a seat
   * claimed by someone after the snapshot (another replica's batch) breaks the claims' key and the whole statement,
   * nothing written. Then the batch runs as one transaction that cannot break that way: (1) the same holds, (2) their
   * claims in (show, seat) order with a seat someone has skipped, (3) holds short of a seat undone, claims and row,
   * (4) commit. A refused hold gets its own error (its taken seats named from the seat cache), the rest commit. A
   * deadlock or serialization failure throws: the batcher retries the batch in halves (a single hold here, a few times).
   */
  async #holdBatch(asks: readonly SeatAsk[]): Promise<(Hold | Error)[]> {
    const holds = asks.map((a) => a.hold);
    try {
      const written = await new BookingRepository(this.ctx.db).insertSeatHolds(holds, this.ctx.now(), 'all');
      return await this.#answers(this.ctx.db, asks, written);
    } catch (err) {
      if (uniqueViolation(err) !== SEAT_TAKEN) throw err;
    }
    for (let tries = 1; ; tries++) {
      try {
        return await this.ctx.db.transaction(async (tx) => {
          const repo = new BookingRepository(tx);
          const written = await repo.insertSeatHolds(holds, this.ctx.now(), 'each');
          await repo.undoHolds(
            written.filter((w, i) => w.hold && w.claimed.length < asks[i]!.hold.seatNos.length).map((w) => w.hold!.id),
          );
          return this.#answers(tx, asks, written);
        });
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        if (asks.length > 1 || tries >= SINGLE_TRIES || typeof code !== 'string' || !RETRYABLE.has(code)) throw err;
      }
    }
  }

  /** Each ask's answer from what its batch's statement wrote: the hold, or the error that refuses it alone. */
  async #answers(
    q: Queryable,
    asks: readonly SeatAsk[],
    written: Awaited<ReturnType<BookingRepository['insertSeatHolds']>>,
  ): Promise<(Hold | Error)[]> {
    const refusedSeats = new Map<string, number[]>();
    const inserted = new Map<string, Hold>();
    const got = new Map<string, Set<number>>();
    asks.forEach((a, i) => {
      const w = written[i]!;
      if (w.hold) inserted.set(a.hold.id, w.hold);
      got.set(a.hold.id, new Set(w.claimed));
      // seats the snapshot showed taken: the hold was not written; none of them are this hold's
      if (w.taken.length) refusedSeats.set(a.hold.id, w.taken);
    });
    // Holds not inserted: the show is no longer on sale (read again, in this transaction), else the customer's live hold.
    const fresh = new Map<string, Show | undefined>();
    for (const a of asks)
      if (!inserted.has(a.hold.id) && !refusedSeats.has(a.hold.id) && !fresh.has(a.hold.showId))
        fresh.set(a.hold.showId, await this.#freshShow(a.hold.showId, q));
    const now = this.ctx.now();
    return asks.map((a): Hold | Error => {
      const h = inserted.get(a.hold.id);
      const seen = refusedSeats.get(a.hold.id);
      if (seen) return seatsTaken(a, seen);
      if (!h) {
        const show = fresh.get(a.hold.showId) ?? a.show;
        if (show.status !== 'ON_SALE' || show.startsAt <= now || !fresh.get(a.hold.showId)) {
          try {
            assertOpen(show, now);
          } catch (err) {
            return err as Error;
          }
          return new ConflictError(`${show.title} is not on sale`);
        }
        return new OneLive(show);
      }
      const mine = got.get(h.id);
      if (mine && mine.size === a.hold.seatNos.length) return h;
      return seatsTaken(
        a,
        a.hold.seatNos.filter((n) => !mine?.has(n)),
      );
    });
  }

  /** What a refused insert means to the caller: a seat taken (named) or a live hold already there. */
  async #refusal(err: unknown, show: Show, seatNos: readonly number[]): Promise<unknown> {
    const which = uniqueViolation(err);
    if (!which) return err;
    if (which === ONE_LIVE) return new OneLive(show);
    if (which === SEAT_TAKEN) {
      const taken = await this.repo.claimedOf(show.id, seatNos);
      const labels = await this.repo.seatLabels(show.venueId, taken.length ? taken : seatNos);
      return new SeatsTaken(
        taken.length ? taken : [...seatNos],
        `${labels.length === 1 ? 'seat' : 'seats'} ${list(labels)} ${labels.length === 1 ? 'is' : 'are'} taken for ${show.title}`,
        labels,
      );
    }
    return err;
  }

  async hold(holdId: string): Promise<Hold | undefined> {
    return this.repo.hold(holdId);
  }

  /** A HELD hold let go by the customer: its seats or places free again at once. */
  async release(hold: Hold): Promise<Hold> {
    const ended = await this.repo.endHold(hold.id, ['HELD'], 'RELEASED', 'released by the customer', this.ctx.now());
    if (ended) {
      this.onFreed([ended.showId]);
      return ended;
    }
    const now = (await this.repo.hold(hold.id)) ?? hold;
    if (now.status === 'CONFIRMING')
      throw new ConflictError('this hold is being paid for: wait for the payment’s answer, then cancel the booking');
    if (now.status === 'CONFIRMED')
      throw new ConflictError('this hold is a confirmed booking: cancel the booking instead (refund rules apply)');
    throw new ConflictError(`this hold has already ended (${now.status.toLowerCase()})`);
  }

  holdsOfShow(showId: string, statuses: readonly HoldStatus[] | undefined, before: string | undefined, limit: number) {
    return this.repo.holdsOfShow(showId, statuses, before, limit);
  }

  /** A hold as its caller sees it: the seats by label. */
  async view(hold: Hold, show?: Show) {
    const s = show ?? (await this.repo.show(hold.showId));
    const labels = s && hold.seatNos.length ? labelsOf(await this.seats(s.venueId), hold.seatNos) : [];
    return {
      id: hold.id,
      showId: hold.showId,
      status: hold.status,
      seats: labels,
      places: hold.places,
      amountMinor: hold.amountMinor,
      currency: hold.currency,
      expiresAt: hold.expiresAt,
      customerId: hold.customerId,
      origin: hold.origin,
      createdAt: hold.createdAt,
      endedAt: hold.endedAt,
      endedReason: hold.endedReason,
    };
  }

  /** Frees holds past their expiry (HELD only), a batch per transaction; returns how many ended. */
  async expireDue(): Promise<number> {
    const now = this.ctx.now();
    let ended = 0;
    const shows = new Set<string>();
    for (;;) {
      const r = await this.repo.expireDue(now);
      ended += r.ended;
      for (const s of r.showIds) shows.add(s);
      if (r.ended < EXPIRE_BATCH) break;
    }
    if (shows.size) this.onFreed([...shows]);
    return ended;
  }

  /** The sentence a second live hold of a customer gets: `live` named only when the caller may see it. */
  async oneLiveSentence(show: Show, live: Hold | undefined): Promise<string> {
    if (!live) return 'this customer already holds seats for this show; confirm or release them first';
    return `this customer already holds seats for this show until ${await this.clockAt(show, live.expiresAt)} (hold ${live.id}); confirm or release it first`;
  }

  /** Seat labels of a hold (what the sales side names on tickets). */
  async labels(show: Show, seatNos: readonly number[]): Promise<string[]> {
    return labelsOf(await this.seats(show.venueId), seatNos);
  }

  /** For tests and the sales side: the repository on a transaction. */
  on(tx: Queryable): BookingRepository {
    return new BookingRepository(tx);
  }
}
