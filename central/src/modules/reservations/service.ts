import { ConflictError, feedEntry, hlcDecode, isUuid, NotFoundError } from '@storefleet/shared';
import type { Db, Queryable } from '../../db/db.js';
import type { AppliedEvent, HandlerResult } from '../../kernel/event-handlers.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import { ReservationRepository } from './repository.js';
import { HoldBatcher } from './hold-batcher.js';
import { CallBatcher } from '../../kernel/call-batcher.js';
import { confirmOutcome, holdsStock, PICKUP_WINDOW_MS } from './rules.js';
import type { HoldHooks, NewReservation, Reservation, StockHolds } from './types.js';

/**
 * BOPIS holds. Strong consistency lives here and only here: holds are granted under the stock rows' own locks inside
 * one transaction (a group commit, see HoldBatcher; never a lock held across requests or a distributed lock), and
 * every change reaches the store's feed in the same transaction, so the store learns of holds at once and can hand
 * them over offline. The flows that follow a hold (an order's pickup, no-show, cancellation) hear of each change through
 * `hooks`, in the same transaction.
 */
export class ReservationService {
  readonly #batcher: HoldBatcher;
  /** Confirmations of live holds, many per transaction under load (checkouts confirm at the rate they place). */
  readonly #confirms: CallBatcher<string, Reservation | undefined>;

  constructor(
    readonly db: Db,
    readonly holds: StockHolds,
    readonly feed: FeedWriter,
    readonly now: () => number,
    /** Who follows hold changes (the hub's workflows); none when nobody listens. */
    readonly hooks: () => HoldHooks | undefined = () => undefined,
    /** Hold group commits in flight at once (the hub's HOLD_BATCHES_IN_FLIGHT; see HoldBatcher). */
    holdBatches = 1,
  ) {
    this.#batcher = new HoldBatcher(db, holds, feed, now, holdBatches);
    this.#confirms = new CallBatcher((ids) => this.#confirmLive(ids), { concurrency: 1, maxBatch: 256 });
  }

  /** Places a hold: all lines or none, granted in a group commit with whatever else is being reserved right now. */
  reserve(input: NewReservation): Promise<Reservation> {
    return this.#batcher.submit(input);
  }

  async get(id: string): Promise<Reservation> {
    const r = await new ReservationRepository(this.db).get(id);
    if (!r) throw new NotFoundError('reservation', id);
    return r;
  }

  /** After payment: the hold stays for the pickup window. Racing the expiry, exactly one of the two wins. */
  async confirm(id: string): Promise<Reservation> {
    if (!isUuid(id)) throw new NotFoundError('reservation', id);
    const live = await this.#confirms.call(id); // the usual case
    if (live) return live;
    // Not a live hold: already confirmed, ended, expired or unknown; decided under the row's lock.
    const result = await this.db.transaction(async (tx) => {
      const repo = new ReservationRepository(tx);
      const r = await repo.get(id, true);
      if (!r) throw new NotFoundError('reservation', id);
      const now = this.now();
      switch (confirmOutcome(r.status, r.expiresAt, now)) {
        case 'already':
          return r;
        case 'ended':
          throw new ConflictError(`reservation ${id} is ${r.status}`, { status: r.status });
        case 'expired':
          await this.#end(tx, r, 'EXPIRED');
          return 'expired' as const;
        case 'confirm': {
          const confirmed = await repo.setStatus(id, 'CONFIRMED', now + PICKUP_WINDOW_MS, now);
          await this.#announce(tx, confirmed);
          return confirmed;
        }
      }
    });
    if (result === 'expired')
      throw new ConflictError(`reservation ${id} expired before it was confirmed`, { status: 'EXPIRED' });
    return result;
  }

  /** Confirms those of `ids` that are live holds, in one transaction with their feed entries; undefined for the rest. */
  async #confirmLive(ids: readonly string[]): Promise<(Reservation | undefined)[]> {
    const confirmed = await this.db.transaction(async (tx) => {
      const now = this.now();
      const rows = await new ReservationRepository(tx).confirmIfHeld(ids, now + PICKUP_WINDOW_MS, now);
      await this.feed.appendMany(
        tx,
        rows.map((r) => ({ storeId: r.storeId, ...feedEntry('reservation.changed', r) })),
      );
      return new Map(rows.map((r) => [r.id, r]));
    });
    return ids.map((id) => confirmed.get(id));
  }

  /** Cancels a hold and frees its units at once; releasing an ended one changes nothing. */
  async release(id: string): Promise<Reservation> {
    return this.db.transaction(async (tx) => {
      const r = await this.releaseUnlessPickedUp(tx, id);
      if (r.status === 'FULFILLED')
        throw new ConflictError(`reservation ${id} was already picked up`, { status: r.status });
      return r;
    });
  }

  /**
   * In the caller's transaction, under the hold's row lock (kept until it commits): releases the hold unless a store
   * handed it over. Returns the hold as it is now: FULFILLED when it was picked up (nothing changed), else ended.
   */
  async releaseUnlessPickedUp(tx: Queryable, id: string): Promise<Reservation> {
    const r = isUuid(id) ? await new ReservationRepository(tx).get(id, true) : undefined;
    if (!r) throw new NotFoundError('reservation', id);
    return holdsStock(r.status) ? this.#end(tx, r, 'RELEASED') : r;
  }

  /** Expires up to `limit` due holds; safe to run from several sweepers at once (SKIP LOCKED). Returns how many. */
  async expireDue(limit = 500): Promise<number> {
    return this.db.transaction(async (tx) => {
      const repo = new ReservationRepository(tx);
      const due = await repo.lockDue(this.now(), limit);
      if (!due.length) return 0;
      const now = this.now();
      await this.holds.addReserved(
        tx,
        due.flatMap((r) => r.lines.map((l) => ({ storeId: r.storeId, sku: l.sku, qty: -l.qty }))),
        now,
      );
      const ended = await repo.setStatusMany(
        due.map((r) => r.id),
        'EXPIRED',
        now,
      );
      await this.feed.appendMany(
        tx,
        ended.map((r) => ({ storeId: r.storeId, ...feedEntry('reservation.changed', r) })),
      );
      const hooks = this.hooks();
      for (const r of hooks ? ended : []) await hooks!.ended(tx, r, { how: 'EXPIRED' });
      return due.length;
    });
  }

  byStore(storeId: string, status: Reservation['status'] | undefined, limit: number, orderNumber?: string) {
    return new ReservationRepository(this.db).byStore(storeId, status, limit, orderNumber);
  }

  /** `reservation.picked-up` events from a store's outbox, inside the sync apply transaction. */
  applyPickups(tx: Queryable, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    return this.#eachOwned(tx, events, async (r, e) => {
      if (r.status === 'FULFILLED') return `reservation ${r.id} was already picked up`;
      const hold = holdsStock(r.status)
        ? await this.#end(tx, r, 'FULFILLED')
        : await new ReservationRepository(tx).setStatus(r.id, 'FULFILLED', r.expiresAt, this.now()); // handed over offline after the hub ended it
      await this.hooks()?.handedOver(tx, {
        hold,
        storeId: e.origin,
        at: handedOverAt(e.hlc, this.now()),
        endedBefore: holdsStock(r.status) ? null : r.status,
      });
      return undefined;
    });
  }

  /** `reservation.no-show` events: the customer never came; the hold is released (its order is cancelled by the hooks). */
  applyNoShows(tx: Queryable, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    return this.#eachOwned(tx, events, async (r, e) => {
      if (r.status === 'FULFILLED') return `reservation ${r.id} was picked up; not a no-show`;
      if (holdsStock(r.status))
        await this.hooks()?.ended(tx, await this.#end(tx, r, 'RELEASED'), { how: 'NO_SHOW', storeId: e.origin });
      return undefined;
    });
  }

  /** Runs `fn` for each event's reservation (locked) that belongs to the sending store; `fn` returns a refusal or nothing. */
  async #eachOwned(
    tx: Queryable,
    events: readonly AppliedEvent[],
    fn: (r: Reservation, e: AppliedEvent) => Promise<string | undefined>,
  ): Promise<HandlerResult> {
    const rejected: { seq: number; reason: string }[] = [];
    const repo = new ReservationRepository(tx);
    for (const e of events) {
      const id = (e.payload as { reservationId?: unknown } | null)?.reservationId;
      // Checked before querying: a failed statement would abort the whole apply transaction on Postgres.
      const r = typeof id === 'string' && isUuid(id) ? await repo.get(id, true) : undefined;
      const reason = !r
        ? `unknown reservation ${String(id)}`
        : r.storeId !== e.origin
          ? `reservation ${r.id} belongs to another store`
          : await fn(r, e);
      if (reason) rejected.push({ seq: e.seq, reason });
    }
    return { rejected };
  }

  async #end(tx: Queryable, r: Reservation, status: 'RELEASED' | 'EXPIRED' | 'FULFILLED'): Promise<Reservation> {
    const now = this.now();
    await this.holds.addReserved(
      tx,
      r.lines.map((l) => ({ storeId: r.storeId, sku: l.sku, qty: -l.qty })),
      now,
    );
    const ended = await new ReservationRepository(tx).setStatus(r.id, status, r.expiresAt, now);
    await this.#announce(tx, ended);
    return ended;
  }

  async #announce(tx: Queryable, r: Reservation): Promise<void> {
    await this.feed.append(tx, r.storeId, [feedEntry('reservation.changed', r)]);
  }
}

/** When the store handed the hold over, by its clock (the event's hybrid logical clock), never later than now. */
function handedOverAt(hlc: string, now: number): number {
  try {
    return Math.min(hlcDecode(hlc).wallMs, now);
  } catch {
    return now;
  }
}
