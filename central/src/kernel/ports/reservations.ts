import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

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
  /** The order this hold is for (`SF-10482`), null for a hold reserved on its own. */
  readonly orderNumber: string | null;
  /**
   * The store-keyed hash of the hold's typed pickup code (see `shared/src/pickup-code.ts`), what the store checks a
   * typed code against offline; null for holds granted before typed codes.
   */
  readonly pickupCodeHash: string | null;
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
  /** The order's number, shown with the hold at the store's pickup desk. */
  readonly orderNumber?: string | undefined;
}

/** What orders (and the cancel flow in central/src/workflows/) ask of the reservations module. */
export interface Reservations {
  reserve(input: NewReservation): Promise<Reservation>;
  get(id: string): Promise<Reservation>;
  confirm(id: string): Promise<Reservation>;
  release(id: string): Promise<Reservation>;
  /** Releases the hold in the caller's transaction under its row lock, unless a store has handed it over. */
  releaseUnlessPickedUp(tx: Queryable, id: string): Promise<Reservation>;
}

export const RESERVATIONS = definePort<Reservations>(
  'reservations.service',
  'the holds orders reserve, confirm and release',
);

/** What the customer shows at a store's pickup desk for a hold (the same codes `GET /api/reservations/{id}` answers). */
export interface PickupCode {
  /** The store that holds the goods (and checks the code). */
  readonly storeId: string;
  /** The signed code the QR carries, valid for the pickup window from the hold's creation. */
  readonly code: string;
  /** The short code the customer reads out (`K7M-4QH`); absent for holds granted before typed codes. */
  readonly typedCode?: string | undefined;
}

/** How the orders module's GraphQL answers `Order.pickupCode` without reaching into the reservations module. */
export interface PickupCodeLookup {
  /** The hold's codes while it still waits for its customer (held or confirmed); undefined once it ended or if missing. */
  pickupCodeOf(reservationId: string): Promise<PickupCode | undefined>;
}

export const PICKUP_CODES = definePort<PickupCodeLookup>(
  'reservations.pickup-codes',
  'the codes a customer shows at pickup, for an order’s page',
);
