import {
  AppError,
  ConflictError,
  NotFoundError,
  parseEventPayload,
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

/** Why a hold ended here when the hub's snapshot (after a hub restore) did not list it. */
export const HUB_NO_LONGER_HOLDS = 'the hub no longer holds this reservation';

/**
 * Pickups at the store, online or not. A hand-over is one local transaction: the PICKUP stock movements and the
 * `reservation.picked-up` event go into the outbox with it, and reach the hub whenever it is reachable.
 */
export class BopisService {
  readonly repo: BopisRepository;
  readonly stock: StockLedger;

  constructor(
    readonly db: SqliteDb,
    readonly sync: StoreSync,
    readonly storeId: string,
    readonly now: () => number,
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
    return (
      (this.db.prepare("SELECT value FROM node_meta WHERE key = 'pickup_public_key'").pluck().get() as
        | string
        | undefined) ?? undefined
    );
  }

  savePublicKey(key: string): void {
    this.db
      .prepare(
        "INSERT INTO node_meta (key, value, updated_at) VALUES ('pickup_public_key', ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      )
      .run(key, this.now());
  }

  search(q: string | undefined, limit: number): LocalReservation[] {
    return this.repo.search(q, limit);
  }

  /** What a scanned code says, checked offline; also makes the reservation known here if its feed entry is late. */
  verify(code: string): LocalReservation {
    const verdict = verifyPickupCode(code, this.publicKey(), this.storeId, this.now());
    if (!verdict.ok) throw new AppError('unprocessable', verdict.reason);
    this.repo.insertFromCode(verdict.claim.reservationId, verdict.claim.lines, verdict.claim.expiresAt);
    return this.repo.get(verdict.claim.reservationId)!;
  }

  handOver(id: string): LocalReservation {
    return this.sync.write((emit) => {
      const r = this.#open(id);
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
      emit('reservation.no-show', { reservationId: r.id } satisfies ReservationEndedAtStore);
      this.repo.markNoShow(r.id, this.now());
      return this.repo.get(r.id)!;
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
