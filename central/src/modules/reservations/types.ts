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
  readonly storeId: string;
  readonly customerRef: string;
  readonly lines: readonly ReservationLine[];
  readonly ttlMs?: number | undefined;
}

/** What reservations need from whoever counts stock (the inventory module provides it as `inventory.holds`). */
export interface StockHolds {
  hold(tx: unknown, storeId: string, lines: readonly ReservationLine[], now: number): Promise<{ ok: true } | { ok: false; sku: string; available: number }>;
  unhold(tx: unknown, storeId: string, lines: readonly ReservationLine[], now: number): Promise<void>;
}
