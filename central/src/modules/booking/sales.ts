import { AppError, ConflictError, NotFoundError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { PaymentTimeoutError, type PaymentProvider } from '../../kernel/ports/payments.js';
import { clockIn } from './clock.js';
import type { BookingHooks, BookingNotice } from './ports.js';
import { refundFor, refundRule } from './refunds.js';
import { BookingRepository } from './repository.js';
import { SalesRepository } from './sales-repository.js';
import type { BookingService } from './service.js';
import type { BookingStoreFeed } from './store-feed.js';
import type { TicketSigner } from './tickets.js';
import type { Hold, Show } from './types.js';

/** A CONFIRMING hold is asked about at the provider once it has waited this long (a timeout, a crash). */
export const SETTLE_AFTER_MS = 30_000;
/** A payment the provider still does not know after this long was never made: the hold fails and its seats go back. */
export const UNKNOWN_GIVE_UP_MS = 10 * 60_000;
/** Holds settled, refunds retried, bookings cancelled with their show, per batch. */
const BATCH = 100;
/** A refund the provider has refused this many times is raised for staff (logged as an error) at every further try. */
export const REFUND_TRIES_RAISED = 10;

/**
 * A booking (a hold, confirmed or not) as its caller sees it: the hold's one view (the holds' side, `BookingService.view`:
 * its seats by label, places, amount, expiry, customer, origin, how it ended) with the show's title and start.
 */
export type BookingView = Awaited<ReturnType<BookingService['view']>> & {
  readonly title: string;
  readonly startsAt: number;
};

export interface TicketView {
  readonly ticketNo: number;
  /** The seat's label, or `""` for a place. */
  readonly seat: string;
  /** The signed code for the QR (`SFT1.…`). */
  readonly code: string;
}

/** What a confirm came to. */
export type ConfirmOutcome =
  | { readonly kind: 'confirmed'; readonly booking: BookingView; readonly tickets: readonly TicketView[] }
  /** The provider has not answered: the hold stays CONFIRMING, its seats kept, until `settle` hears. */
  | { readonly kind: 'pending'; readonly booking: BookingView; readonly message: string }
  /** The provider refused the payment: the hold FAILED and its seats are free again. */
  | { readonly kind: 'refused'; readonly booking: BookingView; readonly message: string };

export interface CancelOutcome {
  readonly booking: BookingView;
  readonly refundMinor: number;
  readonly currency: string;
  /** The rule that decided the refund, as a sentence. */
  readonly rule: string;
}

export interface ShowCancelOutcome {
  readonly showId: string;
  readonly status: Show['status'];
  readonly version: number;
  /** Bookings cancelled (refunded in full) by this call. */
  readonly bookingsCancelled: number;
  /** Holds released by this call. */
  readonly holdsReleased: number;
  /** Waitlist entries that left by this call. */
  readonly waitlistLeft: number;
}

/** The provider has no payment configured (a production hub without PAYMENT_PROVIDER): what the caller is told. */
export class NoPaymentError extends AppError {
  constructor() {
    super(
      'unavailable',
      'no payment provider is configured: set PAYMENT_PROVIDER (bookings with a price cannot be paid until the hub has one); the seats stay held until the hold expires',
    );
  }
}

/**
 * Confirming holds through the payment provider, cancelling bookings with refunds, and settling what a timeout or a
 * crash left (lane B). Nothing external is called inside a transaction: the hold's status is the durable to-do
 * (CONFIRMING: ask the provider; refund_state DUE: void), finished after commit or by `settle`.
 */
export class BookingSales {
  onFreed: (showIds: readonly string[]) => void = () => {};
  /** Seats sold or a show cancelled (after the commit): the live seat map reads the show at its next tick. */
  onChanged: (showIds: readonly string[]) => void = () => {};

  constructor(
    readonly ctx: HubContext,
    readonly holds: BookingService,
    readonly tickets: TicketSigner,
    readonly storeFeed: BookingStoreFeed,
    readonly payments: () => PaymentProvider,
    readonly hooks: () => BookingHooks | undefined,
  ) {}

  #repo(q: Queryable = this.ctx.db): SalesRepository {
    return new SalesRepository(q);
  }

  async #show(showId: string): Promise<Show> {
    const show = await this.holds.show(showId);
    if (!show) throw new NotFoundError('show', showId);
    return show;
  }

  async #zone(show: Show, q: Queryable = this.ctx.db): Promise<string> {
    return (await new BookingRepository(q).venue(show.venueId))?.timeZone ?? 'UTC';
  }

  async #clock(show: Show, at: number): Promise<string> {
    return clockIn(await this.#zone(show), at);
  }

  /** The booking as its caller sees it. */
  async view(hold: Hold, show?: Show): Promise<BookingView> {
    const s = show ?? (await this.#show(hold.showId));
    return { ...(await this.holds.view(hold, s)), title: s.title, startsAt: s.startsAt };
  }

  /** A confirmed booking's tickets: one per seat or place, each signed for the door. */
  async ticketsOf(hold: Hold, show?: Show): Promise<TicketView[]> {
    const s = show ?? (await this.#show(hold.showId));
    const labels = hold.seatNos.length ? await this.holds.labels(s, hold.seatNos) : [];
    return Array.from({ length: hold.places }, (_, i) => {
      const seat = labels[i] ?? '';
      const ticketNo = i + 1;
      const code = this.tickets.code({
        bookingId: hold.id,
        ticketNo,
        showId: s.id,
        storeId: s.storeId,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        seat,
      });
      return { ticketNo, seat, code };
    });
  }

  async #notice(tx: Queryable, hold: Hold, show: Show): Promise<BookingNotice> {
    return {
      bookingId: hold.id,
      showId: show.id,
      title: show.title,
      startsAt: show.startsAt,
      customerId: hold.customerId,
      storeId: show.storeId,
      timeZone: await this.#zone(show, tx),
      seated: show.kind !== 'CAPACITY',
    };
  }

  // ---- confirm ------------------------------------------------------------------------------------------------

  /**
   * Confirms a hold: HELD → CONFIRMING in one conditional write (only while it has not expired: exactly one of this
   * and the expiry sweeper wins), then the payment after commit — approved: CONFIRMED with its seats sold and its
   * tickets; refused: FAILED with its seats free again; no answer: it stays CONFIRMING (seats kept) until `settle`
   * hears from the provider. A hold already confirmed answers the booking as before.
   */
  async confirm(hold: Hold, show: Show): Promise<ConfirmOutcome> {
    const now = this.ctx.now();
    if (show.status === 'CANCELLED' && hold.status === 'HELD')
      throw new ConflictError(`'${show.title}' was cancelled: its seats can no longer be booked`);
    if (!(await this.#repo().startConfirming(hold.id, now))) return this.#notConfirmable(hold.id, show, now);
    const key = `booking:${hold.id}`;
    if (hold.amountMinor === 0) return this.#finish(hold.id, show, null);
    let answer: Awaited<ReturnType<PaymentProvider['authorise']>>;
    try {
      answer = await this.payments().authorise({ key, amountMinor: hold.amountMinor, currency: hold.currency });
    } catch (err) {
      if (err instanceof AppError) {
        // Nothing was asked of any provider (none is configured): the hold is HELD again, until it expires.
        await this.#repo().backToHeld(hold.id, this.ctx.now());
        throw new NoPaymentError();
      }
      if (!(err instanceof PaymentTimeoutError))
        this.ctx.log.warn({ err, holdId: hold.id }, 'booking payment failed; settle asks the provider again');
      return this.#pending(hold.id, show);
    }
    if (!answer.approved) return this.#fail(hold.id, show, answer.reason);
    try {
      await this.payments().capture(key);
    } catch (err) {
      this.ctx.log.warn({ err, holdId: hold.id }, 'booking payment approved but not captured yet; settle captures it');
      return this.#pending(hold.id, show);
    }
    return this.#finish(hold.id, show, answer.ref);
  }

  /** The hold was not HELD and unexpired: the booking as before, or why it cannot be confirmed. */
  async #notConfirmable(holdId: string, show: Show, now: number): Promise<ConfirmOutcome> {
    let hold = await this.holds.hold(holdId);
    if (!hold) throw new NotFoundError('hold', holdId);
    if (hold.status === 'HELD' && hold.expiresAt <= now) {
      // Past its expiry but the sweeper has not run yet: end it now, as the sweeper would.
      const ended = await this.holds.on(this.ctx.db).endHold(holdId, ['HELD'], 'EXPIRED', 'the hold expired', now);
      if (ended) this.onFreed([ended.showId]);
      hold = (await this.holds.hold(holdId)) ?? hold;
    }
    switch (hold.status) {
      case 'CONFIRMED':
        return { kind: 'confirmed', booking: await this.view(hold, show), tickets: await this.ticketsOf(hold, show) };
      case 'EXPIRED':
        throw new ConflictError(
          `this hold expired at ${await this.#clock(show, hold.expiresAt)} and its seats were released`,
          { status: hold.status },
        );
      case 'CONFIRMING':
        throw new ConflictError('this hold is being paid for: ask again in a moment for the booking', {
          status: hold.status,
        });
      case 'RELEASED':
        throw new ConflictError('this hold was released and its seats were freed: hold them again', {
          status: hold.status,
        });
      case 'FAILED':
        throw new ConflictError(`the payment for this hold was refused and its seats were released`, {
          status: hold.status,
        });
      case 'CANCELLED':
        throw new ConflictError('this booking was cancelled', { status: hold.status });
      default:
        throw new ConflictError(`this hold is ${hold.status.toLowerCase()}`, { status: hold.status });
    }
  }

  async #pending(holdId: string, show: Show): Promise<ConfirmOutcome> {
    const hold = (await this.holds.hold(holdId))!;
    if (hold.status === 'CONFIRMED')
      return { kind: 'confirmed', booking: await this.view(hold, show), tickets: await this.ticketsOf(hold, show) };
    return {
      kind: 'pending',
      booking: await this.view(hold, show),
      message:
        'the payment provider has not answered yet: the seats stay yours while it does; ask for the booking again in a minute',
    };
  }

  /**
   * CONFIRMING → CONFIRMED, its seats sold, the hooks told — only while the show is on sale, in the statement that
   * confirms it (markConfirmed takes the show's row FOR SHARE, so a venue's cancel either sees this booking and refunds
   * it, or was first): a show cancelled meanwhile fails the hold instead, its seats freed and its payment voided.
   */
  async #finish(holdId: string, asked: Show, paymentRef: string | null): Promise<ConfirmOutcome> {
    // The show as it is now (a payment can take a while): its title for the notice. Whether it is still on sale is
    // markConfirmed's to decide, in its statement — a read here could be stale by the time that runs.
    const show = (await this.holds.show(asked.id)) ?? asked;
    const now = this.ctx.now();
    const done = await this.ctx.db.transaction(async (tx) => {
      const repo = this.#repo(tx);
      if (!(await repo.markConfirmed(holdId, paymentRef, now))) return false;
      await this.holds.on(tx).markSold(holdId);
      await repo.offerBooked(holdId, now);
      const hold = (await this.holds.on(tx).hold(holdId))!;
      await this.hooks()?.confirmed(tx, { ...(await this.#notice(tx, hold, show)), tickets: hold.places });
      return true;
    });
    if (done) this.onChanged([show.id]);
    const hold = (await this.holds.hold(holdId))!;
    if (!done && hold.status === 'CONFIRMING') return this.#showCancelled(hold, show);
    if (!done && hold.status !== 'CONFIRMED') return this.#notConfirmable(holdId, show, now);
    return { kind: 'confirmed', booking: await this.view(hold, show), tickets: await this.ticketsOf(hold, show) };
  }

  /**
   * The show was cancelled while its hold was being paid for: CONFIRMING → FAILED with its seats freed and, in the
   * same transaction, the payment owed back (refund_state DUE: a durable to-do); voided after commit, or by `settle`.
   */
  async #showCancelled(hold: Hold, show: Show): Promise<ConfirmOutcome> {
    const now = this.ctx.now();
    const ended = await this.ctx.db.transaction(async (tx) => {
      const h = await this.holds
        .on(tx)
        .endHold(hold.id, ['CONFIRMING'], 'FAILED', 'the show was cancelled before the booking was made', now);
      if (h && h.amountMinor > 0) await this.#repo(tx).setRefund(h.id, h.amountMinor, now);
      return h;
    });
    if (ended) {
      this.onFreed([ended.showId]);
      if (ended.amountMinor > 0) await this.#refund(ended.id);
    }
    const after = (await this.holds.hold(hold.id))!;
    if (after.status === 'CONFIRMED')
      return { kind: 'confirmed', booking: await this.view(after, show), tickets: await this.ticketsOf(after, show) };
    throw new ConflictError(
      `'${show.title}' was cancelled while this booking was being paid for: nothing was booked, the seats were released and the payment is given back in full`,
      { status: after.status },
    );
  }

  /** CONFIRMING → FAILED: its seats free again (told to the waitlist after commit); the payment voided to be safe. */
  async #fail(holdId: string, show: Show, reason: string, voidIt = false): Promise<ConfirmOutcome> {
    const ended = await this.holds
      .on(this.ctx.db)
      .endHold(holdId, ['CONFIRMING'], 'FAILED', `the payment was refused: ${reason}`, this.ctx.now());
    if (ended) {
      this.onFreed([ended.showId]);
      if (voidIt) await this.#voidQuietly(holdId);
    }
    const hold = ended ?? (await this.holds.hold(holdId))!;
    if (hold.status === 'CONFIRMED')
      return { kind: 'confirmed', booking: await this.view(hold, show), tickets: await this.ticketsOf(hold, show) };
    return {
      kind: 'refused',
      booking: await this.view(hold, show),
      message: `the payment was refused (${reason}); the seats were released`,
    };
  }

  /** Voids an owed refund's payment now: DONE, or tried again by `settle` (backed off by its tries). */
  async #refund(holdId: string): Promise<void> {
    if (await this.#voidQuietly(holdId)) {
      await this.#repo().refundDone(holdId, this.ctx.now());
      return;
    }
    const tries = await this.#repo().refundFailed(holdId, this.ctx.now());
    if (tries >= REFUND_TRIES_RAISED)
      this.ctx.log.error(
        { bookingId: holdId, tries },
        'a booking refund has been refused by the payment provider again and again: staff should refund it by hand',
      );
  }

  async #voidQuietly(holdId: string): Promise<boolean> {
    try {
      await this.payments().void(`booking:${holdId}`);
      return true;
    } catch (err) {
      this.ctx.log.warn({ err, holdId }, 'booking payment void failed; settle retries');
      return false;
    }
  }

  // ---- cancel -------------------------------------------------------------------------------------------------

  /** The refund cutoff of a show, in hours before its start. */
  cutoffHours(show: Show): number {
    return show.refundCutoffHours ?? this.ctx.settings.tuning.bookingRefundCutoffHours;
  }

  /**
   * Cancels a confirmed booking: CANCELLED with its seats free, its refund decided by the rules (refunds.ts) and owed
   * (refund_state DUE), the store's door told (its feed) and the customer (hooks) — one transaction; the payment is
   * voided after commit (DONE), or by `settle` when the provider refuses for now. A booking already cancelled answers
   * as before.
   */
  async cancel(hold: Hold, show: Show, reason: string | null, byVenue = false): Promise<CancelOutcome> {
    const now = this.ctx.now();
    if (!byVenue && show.endsAt <= now)
      throw new ConflictError(`'${show.title}' is over: a booking of a show that has ended cannot be cancelled`);
    const decision = refundFor({
      amountMinor: hold.amountMinor,
      startsAt: show.startsAt,
      cutoffHours: this.cutoffHours(show),
      now,
      showCancelled: byVenue || show.status === 'CANCELLED',
    });
    const ended = await this.ctx.db.transaction(async (tx) => {
      const why = reason ?? (byVenue ? 'the show was cancelled' : 'cancelled');
      if (!byVenue) {
        // A ticket let in at the door: the booking was used. The row lock orders this against an admission in flight.
        await this.#repo(tx).lockBooking(hold.id);
        const used = await this.#repo(tx).firstAdmission(hold.id);
        if (used)
          throw new ConflictError(
            `ticket ${used.ticketNo} was let in at ${clockIn(await this.#zone(show, tx), used.admittedAt)}: a booking used at the door is not cancelled`,
            { admittedAt: used.admittedAt },
          );
      }
      const h = await this.holds.on(tx).endHold(hold.id, ['CONFIRMED'], 'CANCELLED', why, now);
      if (!h) return undefined;
      await this.#repo(tx).setRefund(h.id, decision.refundMinor, now);
      if (show.storeId) await this.storeFeed.bookingCancelled(tx, h, show);
      await this.hooks()?.cancelled(tx, {
        ...(await this.#notice(tx, h, show)),
        refundMinor: decision.refundMinor,
        currency: h.currency,
        paidMinor: h.amountMinor,
      });
      return h;
    });
    if (!ended) {
      const now2 = await this.holds.hold(hold.id);
      if (now2?.status === 'CANCELLED')
        return {
          booking: await this.view(now2, show),
          refundMinor: now2.refundMinor ?? 0,
          currency: now2.currency,
          rule: decision.rule,
        };
      if (now2?.status === 'HELD')
        throw new ConflictError('this hold is not booked yet: release it instead (nothing was paid)');
      if (now2?.status === 'CONFIRMING')
        throw new ConflictError('this hold is being paid for: wait for the payment’s answer, then cancel the booking');
      throw new ConflictError(`this booking cannot be cancelled: it is ${now2?.status.toLowerCase() ?? 'gone'}`);
    }
    this.onFreed([ended.showId]);
    if (decision.refundMinor > 0) await this.#refund(ended.id);
    const after = (await this.holds.hold(ended.id))!;
    return {
      booking: await this.view(after, show),
      refundMinor: decision.refundMinor,
      currency: after.currency,
      rule: decision.rule,
    };
  }

  /** The rule a booking of this show is refunded by, as a sentence. */
  ruleOf(show: Show): string {
    return refundRule(this.cutoffHours(show));
  }

  /**
   * The venue cancels a show: CANCELLED (its version bumped, the store's copy told), then in batches every confirmed
   * booking cancelled with a full refund, every live hold released, every waitlist entry LEFT. Repeating it finishes
   * what a failed run left and changes nothing else.
   */
  async cancelShow(show: Show, reason: string): Promise<ShowCancelOutcome> {
    const now = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      if (!(await this.#repo(tx).cancelShow(show.id, now))) return;
      if (!show.storeId) return;
      const after = (await this.holds.on(tx).show(show.id))!;
      const venue = await new BookingRepository(tx).venue(show.venueId);
      await this.storeFeed.showChanged(tx, after, venue?.name ?? '');
    });
    this.onChanged([show.id]);
    const cancelled = (await this.holds.show(show.id))!;
    let bookingsCancelled = 0;
    let holdsReleased = 0;
    for (;;) {
      const ids = await this.#repo().holdIdsOfShow(show.id, ['CONFIRMED'], BATCH);
      for (const id of ids) {
        const h = await this.holds.hold(id);
        if (h?.status !== 'CONFIRMED') continue;
        await this.cancel(h, cancelled, reason, true);
        bookingsCancelled++;
      }
      if (ids.length < BATCH) break;
    }
    for (;;) {
      const ids = await this.#repo().holdIdsOfShow(show.id, ['HELD'], BATCH);
      for (const id of ids) {
        const ended = await this.holds.on(this.ctx.db).endHold(id, ['HELD'], 'RELEASED', reason, this.ctx.now());
        if (ended) holdsReleased++;
      }
      if (ids.length < BATCH) break;
    }
    const waitlistLeft = await this.#repo().leaveAll(show.id, this.ctx.now());
    return {
      showId: cancelled.id,
      status: cancelled.status,
      version: cancelled.version,
      bookingsCancelled,
      holdsReleased,
      waitlistLeft,
    };
  }

  // ---- admissions ---------------------------------------------------------------------------------------------

  /** Lets a ticket in at the door, once: a confirmed booking of a show not over; a second time is a 409 with the time. */
  async admit(hold: Hold, show: Show, ticketNo: number, by: string) {
    const now = this.ctx.now();
    if (hold.status === 'CANCELLED') throw new ConflictError('this booking was cancelled: the ticket does not let in');
    if (hold.status !== 'CONFIRMED')
      throw new ConflictError(
        `this booking is ${hold.status.toLowerCase()}, not confirmed: the ticket does not let in`,
      );
    if (show.status === 'CANCELLED')
      throw new ConflictError(`'${show.title}' was cancelled: the ticket does not let in`);
    if (show.endsAt <= now)
      throw new ConflictError(
        `'${show.title}' ended at ${await this.#clock(show, show.endsAt)}: the ticket no longer lets in`,
      );
    const labels = hold.seatNos.length ? await this.holds.labels(show, hold.seatNos) : [];
    const seatLabel = labels[ticketNo - 1] ?? '';
    const seat = seatLabel ? `seat ${seatLabel}` : `place ${ticketNo} of ${hold.places}`;
    const recorded = await this.#repo().admit({
      bookingId: hold.id,
      ticketNo,
      showId: show.id,
      storeId: show.storeId,
      admittedAt: now,
      recordedAt: now,
      by,
    });
    if (recorded === 'cancelled') throw new ConflictError('this booking was cancelled: the ticket does not let in');
    if (!recorded.first)
      throw new ConflictError(
        `this ticket (${seat}) was already let in at ${await this.#clock(show, recorded.admittedAt)}`,
        {
          admittedAt: recorded.admittedAt,
        },
      );
    return {
      admission: { bookingId: hold.id, ticketNo, seat: seatLabel, showId: show.id, title: show.title, admittedAt: now },
      message: `let in: ${seat} for '${show.title}'`,
    };
  }

  // ---- settle -------------------------------------------------------------------------------------------------

  /**
   * Settles CONFIRMING holds a crash or a timeout left (asked at the provider once 30 s old: approved → captured and
   * CONFIRMED; declined, voided, refunded, or still unknown after 10 minutes → FAILED, seats freed, voided to be
   * safe), and retries refunds the provider refused.
   */
  async settle(): Promise<void> {
    const now = this.ctx.now();
    for (const c of await this.#repo().confirmingSince(now - SETTLE_AFTER_MS, BATCH)) {
      try {
        await this.#settleOne(c.id, c.since, c.amountMinor, now);
      } catch (err) {
        this.ctx.log.warn({ err, holdId: c.id }, 'settling a booking payment failed; the next round retries');
      }
    }
    for (const id of await this.#repo().refundsDue(this.ctx.now(), BATCH)) await this.#refund(id);
  }

  async #settleOne(holdId: string, since: number, amountMinor: number, now: number): Promise<void> {
    const hold = await this.holds.hold(holdId);
    if (hold?.status !== 'CONFIRMING') return;
    const show = await this.#show(hold.showId);
    if (amountMinor === 0) {
      await this.#finish(holdId, show, null);
      return;
    }
    const key = `booking:${holdId}`;
    let status: Awaited<ReturnType<PaymentProvider['status']>>;
    try {
      status = await this.payments().status(key);
    } catch (err) {
      this.ctx.log.warn({ err, holdId }, 'the payment provider did not say how a booking payment stands');
      return;
    }
    if (status === 'APPROVED' || status === 'CAPTURED') {
      if (status === 'APPROVED') await this.payments().capture(key);
      await this.#finish(holdId, show, null);
    } else if (status === 'UNKNOWN' && now - since < UNKNOWN_GIVE_UP_MS) {
      return;
    } else {
      await this.#fail(
        holdId,
        show,
        status === 'UNKNOWN' ? 'the payment provider never answered' : status.toLowerCase(),
        true,
      );
    }
  }
}
