import { ConflictError, NotFoundError, UnprocessableError, uuidv7 } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import type { BookingHooks } from './ports.js';
import { BookingRepository } from './repository.js';
import { SalesRepository, type WaitlistEntry } from './sales-repository.js';
import type { Caller, Hold, SeatHolder, Show } from './types.js';

/** Shows one periodic round looks at. */
const SHOWS_PER_ROUND = 200;
/** Offers made to one show per round (each is one hold placed). */
const OFFERS_PER_SHOW = 50;
/**
 * Who places a waitlist offer's hold: the hub itself (no principal: no store scope to check), in the name of whoever
 * put the customer on the waitlist — the hold's `createdBy` is the entry's, so they reach the offer (read it, confirm
 * it) as they would a hold they placed.
 */
const offerCaller = (entry: WaitlistEntry): Caller => ({ principal: null, key: entry.createdBy });

/** An entry as the caller sees it, with how many wait ahead of it. */
export type WaitlistView = Omit<WaitlistEntry, 'position' | 'createdBy'> & { readonly ahead: number };

/**
 * Waitlists of sold-out shows (lane B). Seats or places freed (expired, released, refused, cancelled) are offered in
 * `position` order: the head WAITING entry gets a hold of its places for the show's hold length (10 minutes), and is
 * OFFERED; the customer confirms it like any hold. When the head's places are not free, nobody behind it is offered
 * anything — the head keeps its place and nobody jumps it, even one who wants fewer seats; it is offered as soon as
 * enough come free. An offer whose hold expires or is released LAPSES and the next in line is offered; a confirmed
 * one is BOOKED.
 */
export class Waitlist {
  constructor(
    readonly ctx: HubContext,
    readonly holds: SeatHolder,
    readonly hooks: () => BookingHooks | undefined,
  ) {}

  #repo(): SalesRepository {
    return new SalesRepository(this.ctx.db);
  }

  async view(entry: WaitlistEntry): Promise<WaitlistView> {
    const { position: _p, createdBy: _c, ...rest } = entry;
    return { ...rest, ahead: entry.status === 'WAITING' ? await this.#repo().ahead(entry.showId, entry.position) : 0 };
  }

  /**
   * Puts a customer on a show's waitlist; refused while the show has the seats or places they want (hold them
   * instead), for a show that is cancelled or has started, and for a customer already on it.
   */
  async join(
    caller: Caller,
    show: Show,
    req: { customerId: string; places: number; section?: string | undefined },
  ): Promise<WaitlistView> {
    const now = this.ctx.now();
    if (show.status === 'CANCELLED')
      throw new ConflictError(`'${show.title}' was cancelled: there is nothing to wait for`);
    if (show.startsAt <= now) throw new ConflictError(`'${show.title}' has started: its waitlist is closed`);
    const section = req.section ?? null;
    if (section !== null) {
      if (show.kind === 'CAPACITY')
        throw new UnprocessableError(`'${show.title}' is a slot of places, not seats: leave out the section`);
      if (!(await this.#repo().sectionExists(show.venueId, section)))
        throw new UnprocessableError(`there is no section ${section} at this venue`);
    }
    const free = await this.#repo().freeCount(show, section);
    if (free >= req.places)
      throw new ConflictError(
        `seats are available: hold them instead (${free} ${show.kind === 'CAPACITY' ? (free === 1 ? 'place' : 'places') : free === 1 ? 'seat' : 'seats'} free${section ? ` in ${section}` : ''})`,
        { free },
      );
    const entry = await this.#repo().joinWaitlist({
      id: uuidv7(now),
      showId: show.id,
      customerId: req.customerId,
      places: req.places,
      section,
      now,
      createdBy: caller.key,
    });
    if (!entry) throw new ConflictError('this customer is already on the waitlist of this show');
    return this.view(entry);
  }

  async entry(entryId: string): Promise<WaitlistEntry> {
    const e = await this.#repo().entry(entryId);
    if (!e) throw new NotFoundError('waitlist entry', entryId);
    return e;
  }

  /** The customer leaves the waitlist (an offer already made stays a hold they may confirm or let go). */
  async leave(entry: WaitlistEntry): Promise<WaitlistView> {
    const left = await this.#repo().leave(entry.id, this.ctx.now());
    if (!left) throw new ConflictError(`this waitlist entry has already ended (${entry.status.toLowerCase()})`);
    this.offerFreed([entry.showId]).catch((err: unknown) =>
      this.ctx.log.warn({ err }, 'booking waitlist offer failed'),
    );
    return this.view(left);
  }

  /** The live entries of a show, in queue order; only those `joinedBy` put there when given (their own). */
  async list(show: Show, limit = 500, joinedBy?: string): Promise<WaitlistView[]> {
    const entries = await this.#repo().waitlistOf(show.id, limit);
    let ahead = 0;
    const views: WaitlistView[] = [];
    for (const e of entries) {
      const { position: _p, createdBy: _c, ...rest } = e;
      if (joinedBy === undefined || e.createdBy === joinedBy)
        views.push({ ...rest, ahead: e.status === 'WAITING' ? ahead : 0 });
      if (e.status === 'WAITING') ahead++;
    }
    return views;
  }

  /** Offers the freed seats of these shows to their waitlists, in order. */
  async offerFreed(showIds: readonly string[]): Promise<void> {
    for (const showId of new Set(showIds)) await this.#offerShow(showId);
  }

  /** The periodic round: every show with someone waiting or holding an offer. */
  async offerAll(): Promise<void> {
    await this.offerFreed(await this.#repo().showsWaiting(SHOWS_PER_ROUND));
  }

  async #offerShow(showId: string): Promise<void> {
    const repo = this.#repo();
    await repo.settleOffers(showId, this.ctx.now());
    const show = await this.holds.show(showId);
    if (show?.status !== 'ON_SALE' || show.startsAt <= this.ctx.now()) return;
    let timeZone: string | undefined;
    for (let i = 0; i < OFFERS_PER_SHOW; i++) {
      // Nothing is claimed (written) while the head's seats or places are not free: the usual case of a sold-out show.
      const next = await repo.head(showId);
      if (!next || (await repo.freeCount(show, next.section)) < next.places) return;
      const head = await repo.claimHead(showId, this.ctx.now());
      if (!head) return; // nobody waits, or another hub is offering this show right now
      let hold: Hold;
      try {
        hold = await this.holds.place(
          offerCaller(head),
          {
            showId,
            customerId: head.customerId,
            ...(show.kind === 'CAPACITY'
              ? { places: head.places }
              : { best: { count: head.places, ...(head.section ? { section: head.section } : {}) } }),
          },
          'WAITLIST',
        );
      } catch (err) {
        const live = await new BookingRepository(this.ctx.db).liveHold(showId, head.customerId);
        if (live) {
          // They already hold seats at this show (placed themselves meanwhile): that hold is their offer.
          await repo.offered(head.id, live.id, this.ctx.now());
          continue;
        }
        // Not enough seats together yet: the head waits in its place, as it was, and nobody behind it jumps it.
        await repo.unclaim(head.id, head.claimedFrom);
        if (!(err instanceof ConflictError || err instanceof UnprocessableError))
          this.ctx.log.warn({ err, showId }, 'a waitlist offer could not be placed');
        return;
      }
      timeZone ??= (await new BookingRepository(this.ctx.db).venue(show.venueId))?.timeZone ?? 'UTC';
      const zone = timeZone;
      await this.ctx.db.transaction(async (tx) => {
        await new SalesRepository(tx).offered(head.id, hold.id, this.ctx.now());
        await this.hooks()?.waitlistOffered(tx, {
          bookingId: hold.id,
          showId,
          title: show.title,
          startsAt: show.startsAt,
          customerId: head.customerId,
          storeId: show.storeId,
          timeZone: zone,
          seated: show.kind !== 'CAPACITY',
          expiresAt: hold.expiresAt,
          places: hold.places,
        });
      });
    }
  }
}
