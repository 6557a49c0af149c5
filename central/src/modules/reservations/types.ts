import type { Queryable } from '../../db/db.js';

export const RESERVATION_STATUSES = ['HELD', 'CONFIRMED', 'RELEASED', 'EXPIRED', 'FULFILLED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface ReservationLine {
  readonly sku: string;
  readonly qty: number;
}

export interface Reservation {
  readonly id: string;
  readonly storeId: string;
  readonly customerRef: string;
  readonly status: ReservationStatus;
  readonly lines: readonly ReservationLine[];
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewReservation {
  /** Chosen by the caller when it must be able to find the hold again after a crash (an order's saga). */
  readonly id?: string | undefined;
  /** Orders shipped from a distribution centre hold stock there; pickups are at stores only. */
  readonly fromDistributionCentre?: boolean;
  readonly storeId: string;
  readonly customerRef: string;
  readonly lines: readonly ReservationLine[];
  readonly ttlMs?: number | undefined;
}

/** What reservations need from whoever counts stock (the inventory module provides it as `inventory.holds`). */
export interface StockHolds {
  /** Locks the rows until commit, in a deadlock-free order; what each `store/sku` can still promise. */
  lockAvailable(tx: unknown, keys: readonly { storeId: string; sku: string }[], now: number): Promise<Map<string, number>>;
  /** Adds signed quantities to the held counts, one statement. */
  addReserved(tx: unknown, changes: readonly { storeId: string; sku: string; qty: number }[], now: number): Promise<void>;
}

export interface IncidentRef {
  readonly id: string;
  readonly storeId: string;
  readonly sku: string;
  readonly short: number;
}

/** What reservations need of oversell incidents (the inventory module provides it as `inventory.incidents`). */
export interface IncidentDesk {
  lockOpen(tx: unknown, limit: number): Promise<IncidentRef[]>;
  resolve(tx: unknown, id: string, resolution: unknown, now: number): Promise<void>;
  storesNear(tx: unknown, storeId: string, radiusKm: number, limit: number): Promise<{ storeId: string; distanceKm: number }[]>;
}

/** How a hold ended without being handed over, as the flows that follow it need to know. */
export type HoldEnd =
  | { readonly how: 'EXPIRED' }
  | { readonly how: 'NO_SHOW'; readonly storeId: string }
  | { readonly how: 'CANCELLED_BY_REPAIR'; readonly notice: string };

/**
 * Typed hooks for the flows that follow a hold across modules (the hub wires `central/src/workflows/` to them as the
 * service `reservations.hold-hooks`; absent, nobody is told). Each is called inside the transaction that changes the
 * hold, with the hold's row locked, after the change: what a hook writes commits or rolls back with it. A throw rolls
 * the change back (a store's event is parked with the message, a sweep or a repair runs again shortly).
 */
export interface HoldHooks {
  /**
   * A store handed the hold over (its `reservation.picked-up` event, which may come long after an offline hand-over):
   * `at` is the store's clock at the hand-over, `endedBefore` the status the hub had ended the hold with before the
   * event arrived (RELEASED or EXPIRED), or null when it was still open.
   */
  handedOver(tx: Queryable, e: { readonly hold: Reservation; readonly storeId: string; readonly at: number; readonly endedBefore: ReservationStatus | null }): Promise<void>;
  /** The hold ended with no hand-over: its TTL or pickup window ran out, the store marked a no-show, or oversell repair cancelled it. */
  ended(tx: Queryable, hold: Reservation, end: HoldEnd): Promise<void>;
  /** Oversell repair moved the hold to another store (`hold` is as it is now, at `toStoreId`). */
  moved(tx: Queryable, e: { readonly hold: Reservation; readonly fromStoreId: string; readonly toStoreId: string; readonly distanceKm: number }): Promise<void>;
}
