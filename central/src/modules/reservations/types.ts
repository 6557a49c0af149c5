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

/**
 * Told when oversell repair moves a hold to another store, inside the repair's transaction (the orders module provides
 * it as `orders.hold-moves`, so an order follows its hold; absent, nobody is told). A throw rolls the repair back; the
 * repairer tries again shortly.
 */
export interface HoldMoves {
  moved(tx: unknown, move: { readonly reservationId: string; readonly fromStoreId: string; readonly toStoreId: string }): Promise<void>;
}
