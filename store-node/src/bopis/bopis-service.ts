import {
  AppError,
  ConflictError,
  NotFoundError,
  normaliseTypedCode,
  parseEventPayload,
  RateLimitedError,
  TYPED_CODE_MAX_TRIES,
  typedCodeHash,
  ValidationError,
  type ReservationChanged,
  type ReservationEndedAtStore,
} from '@storefleet/shared';
import type { FeedEntry } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { StoreSync } from '../sync/store-sync.js';
import { BopisRepository, type LocalReservation } from './bopis-repository.js';
import { verifyPickupCode } from './pickup-verifier.js';
import { StockLedger } from '../stock/stock-ledger.js';

const CLOSED: Record<string, string> = {
  FULFILLED: 'was already handed over',
  RELEASED: 'was cancelled',
  EXPIRED: 'expired unpaid',
  NO_SHOW: 'was marked a no-show',
};

/** Typed codes matching nothing that the store's search box takes per window before refusing code look-ups. */
export const CODE_MISSES_PER_WINDOW = 20;
export const CODE_MISS_WINDOW_MS = 10 * 60_000;
/** How long a hand-over or no-show stays on the desk's list, marked done. */
const RECENTLY_DONE_MS = 2 * 3600_000;

/** `SF-10482` from what was typed (`sf10482`, `SF 10482`), or undefined when it is not an order number. */
export function orderNumberOf(q: string): string | undefined {
  const m = /^\s*SF[\s-]?(\d{1,15})\s*$/i.exec(q);
  return m ? `SF-${m[1]}` : undefined;
}

/**
 * The code in what was typed, when it is shaped like a pickup code: six letters and digits, with at most one dash
 * between the third and the fourth, and a digit among them or the dash (`K7M4QH`, `k7m-4qh`, `ACD-EFG`). Text with a
 * space is never a code: names split 3 + 3 (`Ann Lee` would read `ANN1EE`, `Joe Doe` `J0ED0E`) must not count against
 * the store's code misses. Six letters alone (`Robert`, `Louise`) are a name too (an all-letter code is typed with its
 * dash).
 */
export function codeShaped(q: string): string | undefined {
  // Six symbols, split 3+3 by a dash or a space as people read them out, or not at all. Without a dash it must hold a
  // digit: "Ann Lee" or "Joe Doe" is a name, never a code (an all-letter code needs its dash).
  const m = /^([A-Za-z0-9]{3})([-‐‑–—]| ?)([A-Za-z0-9]{3})$/.exec(q.trim());
  if (!m || (!/[-‐‑–—]/.test(m[2]!) && !/\d/.test(q))) return undefined;
  return normaliseTypedCode(`${m[1]}${m[3]}`);
}

/** Why a hold ended here when the hub's snapshot (after a hub restore) did not list it. */
export const HUB_NO_LONGER_HOLDS = 'the hub no longer holds this reservation';

/**
 * Pickups at the store, online or not. A hand-over is one local transaction: the PICKUP stock movements and the
 * `reservation.picked-up` event go into the outbox with it, and reach the hub whenever it is reachable.
 */
export class BopisService {
  readonly repo: BopisRepository;
  readonly stock: StockLedger;

  /**
   * @param profile The store's time zone as the till resolves it (`StoreProfile`: `STORE_TIMEZONE` first, then the
   *   hub's registry, then the node's own zone): the desk shows hold times in the same zone as the receipts.
   * @param leavesByDelivery The order number of the delivery a hold leaves by (the delivery desk's), if any: such a
   *   hold goes to its driver at the delivery desk, never to a customer here (hand-over and no-show refuse it).
   */
  constructor(
    readonly db: SqliteDb,
    readonly sync: StoreSync,
    readonly storeId: string,
    readonly now: () => number,
    readonly profile: { readonly timeZone: string },
    readonly leavesByDelivery: (reservationId: string) => string | undefined = () => undefined,
  ) {
    this.repo = new BopisRepository(db);
    this.stock = new StockLedger(db);
  }

  /** Feed handler for `reservation.changed`. A payload that is not a hold (shared schema) throws: the entry is parked. */
  applyFeed(entry: FeedEntry): void {
    this.applyHold(parseEventPayload('reservation.changed', entry.payload));
  }

  /**
   * A hold as the hub has it, from a `reservation.changed` feed entry or the `holds` bootstrap section: kept unless
   * this store's copy is newer (`updatedAt`); a hold handed over or marked no-show here stays so.
   */
  applyHold(hold: ReservationChanged): void {
    this.repo.upsertFromHub(hold);
  }

  /**
   * Feed handler for `reservation.snapshot` (after the hub rebased this store's feed): ends the open holds in the
   * snapshot's range that the hub no longer holds. A payload that is not a snapshot throws (the entry is parked).
   * Returns how many ended.
   */
  applySnapshot(entry: FeedEntry): number {
    return this.repo.endUnlisted(
      parseEventPayload('reservation.snapshot', entry.payload),
      HUB_NO_LONGER_HOLDS,
      entry.createdAt,
    );
  }

  publicKey(): string | undefined {
    return this.repo.key('pickup_public_key');
  }

  savePublicKey(key: string): void {
    this.repo.saveKey('pickup_public_key', key, this.now());
  }

  /** The key typed pickup codes are hashed with at this store (from the hub, with the pickup key), if it came yet. */
  typedCodeKey(): string | undefined {
    return this.repo.key('pickup_typed_code_key');
  }

  saveTypedCodeKey(key: string): void {
    this.repo.saveKey('pickup_typed_code_key', key, this.now());
  }

  /** Open holds (soonest expiry first) or, with `q`, holds by id prefix, customer name or order number. */
  search(q: string | undefined, limit: number): LocalReservation[] {
    if (!q) return this.repo.due(limit, this.now(), 0).filter((r) => r.status === 'HELD' || r.status === 'CONFIRMED');
    return this.repo.search(q, orderNumberOf(q), limit);
  }

  /**
   * What the desk's search box finds: an order number (`SF-10482`, `sf 10482`), a hold by its typed pickup code (`K7M-4QH`,
   * any case, look-alikes mapped), or part of a customer's name. A code match only opens the hold: it does not verify
   * it (the desk then checks the code against that hold, which counts and locks, or scans the QR), and a hold whose
   * typed entry locked is not found by its code. Only text shaped like a code (`codeShaped`) is looked up as one;
   * those that match nothing are counted across the store in SQLite: past `CODE_MISSES_PER_WINDOW` in
   * `CODE_MISS_WINDOW_MS`, code look-ups are refused (429) for the rest of the window, a restart included. A name never
   * counts and is never refused.
   */
  find(q: string, limit: number): { items: LocalReservation[]; by: 'order-number' | 'pickup-code' | 'text' } {
    const number = orderNumberOf(q);
    if (number) return { items: this.repo.search(q, number, limit), by: 'order-number' };
    const code = codeShaped(q);
    const key = code && this.typedCodeKey();
    if (code && key) {
      const wait = this.#codeLookupsRefusedFor();
      const hold = wait ? undefined : this.repo.byCodeHash(typedCodeHash(key, code));
      if (hold) return { items: [hold], by: 'pickup-code' };
      const byText = this.repo.search(q, undefined, limit);
      if (byText.length) return { items: byText, by: 'text' };
      if (wait)
        throw new RateLimitedError(
          'too many typed pickup codes matched nothing: scan the customer’s QR, or search by order number or name',
          wait,
        );
      this.repo.recordCodeMiss(this.now(), this.now() - CODE_MISS_WINDOW_MS);
      return { items: [], by: 'text' };
    }
    return { items: this.repo.search(q, undefined, limit), by: 'text' };
  }

  /** Seconds until code look-ups are taken again (0: now), from the misses kept in SQLite. */
  #codeLookupsRefusedFor(): number {
    const { count, oldest } = this.repo.codeMissesSince(this.now() - CODE_MISS_WINDOW_MS);
    if (count < CODE_MISSES_PER_WINDOW || oldest === null) return 0;
    return Math.max(1, Math.ceil((oldest + CODE_MISS_WINDOW_MS - this.now()) / 1000));
  }

  /**
   * A code the customer reads out, checked offline against the hold's keyed hash. A wrong one counts against the hold:
   * after `TYPED_CODE_MAX_TRIES` its typed entry locks (409) and only the QR verifies it.
   */
  verifyTyped(id: string, typed: string): { matched: boolean; triesLeft: number; hold: LocalReservation } {
    const code = normaliseTypedCode(typed);
    if (!code) throw new ValidationError('a pickup code is 6 letters and digits, like K7M-4QH');
    const r = this.#open(id);
    const key = this.typedCodeKey();
    if (!key)
      throw new AppError(
        'unavailable',
        'this store has not received the hub’s typed-code key yet: scan the customer’s QR instead',
      );
    const outcome = this.repo.checkCode(r.id, typedCodeHash(key, code));
    if (outcome === 'none')
      throw new ConflictError(`reservation ${id} has no typed pickup code: scan the customer’s QR`);
    if (outcome === 'locked')
      throw new ConflictError(
        `typed code entry for reservation ${id} is locked after ${TYPED_CODE_MAX_TRIES} wrong codes: scan the customer’s QR`,
        { locked: true },
      );
    const hold = this.repo.get(r.id)!;
    return { matched: outcome === 'matched', triesLeft: hold.typedTriesLeft, hold };
  }

  /** Names and categories of the skus in these holds, from the store's copy of the catalog. */
  products(holds: readonly LocalReservation[]): Map<string, { name: string; category: string }> {
    return this.repo.products(holds.flatMap((r) => r.lines.map((l) => l.sku)));
  }

  /** The desk's list: open holds, then those handed over or marked no-show here in the last two hours. */
  due(limit: number): LocalReservation[] {
    return this.repo.due(limit, this.now(), RECENTLY_DONE_MS);
  }

  /** The IANA zone the desk shows times in: the store's, resolved as the till resolves it. */
  timeZone(): string {
    return this.profile.timeZone;
  }

  /** What a scanned code says, checked offline; also makes the reservation known here if its feed entry is late. */
  verify(code: string): LocalReservation {
    const verdict = verifyPickupCode(code, this.publicKey(), this.storeId, this.now());
    if (!verdict.ok) throw new AppError('unprocessable', verdict.reason);
    this.repo.insertFromCode(verdict.claim.reservationId, verdict.claim.lines, verdict.claim.expiresAt);
    return this.repo.get(verdict.claim.reservationId)!;
  }

  /**
   * Hands the hold's goods over: to the customer at the pickup desk, or (`to: 'driver'`, the delivery desk's call, in
   * its own write) to the driver of the delivery it leaves by. A delivery's hold is refused to a customer.
   */
  handOver(id: string, to: 'customer' | 'driver' = 'customer'): LocalReservation {
    return this.sync.write((emit) => {
      const r = this.#open(id);
      if (to === 'customer') this.#notForDelivery(r.id);
      this.stock.moveAll(
        emit,
        r.lines.map((l) => ({ sku: l.sku, delta: -l.qty })),
        'PICKUP',
        this.now(),
        r.id,
      );
      emit('reservation.picked-up', { reservationId: r.id } satisfies ReservationEndedAtStore);
      this.repo.markHandedOver(r.id, this.now());
      return this.repo.get(r.id)!;
    });
  }

  noShow(id: string): LocalReservation {
    return this.sync.write((emit) => {
      const r = this.#open(id);
      this.#notForDelivery(r.id);
      emit('reservation.no-show', { reservationId: r.id } satisfies ReservationEndedAtStore);
      this.repo.markNoShow(r.id, this.now());
      return this.repo.get(r.id)!;
    });
  }

  #notForDelivery(id: string): void {
    const order = this.leavesByDelivery(id);
    if (order)
      throw new ConflictError(`${order} leaves by delivery: its goods go to the driver at the delivery desk`, {
        leavesByDelivery: order,
      });
  }

  #open(id: string): LocalReservation {
    const r = this.repo.get(id);
    if (!r) throw new NotFoundError('reservation', id);
    const closed = CLOSED[r.status];
    if (closed)
      throw new ConflictError(`reservation ${id} ${r.endedReason ? `was ended: ${r.endedReason}` : closed}`, {
        status: r.status,
      });
    if (!r.lines.length) throw new ValidationError(`reservation ${id} has no lines`);
    return r;
  }
}
