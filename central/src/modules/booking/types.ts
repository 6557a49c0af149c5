import type { BookingHoldStatus as HoldStatus, SeatKind, ShowKind, ShowStatus } from '@storefleet/shared';
import type { Principal } from '../../kernel/principal.js';

export type { HoldStatus, SeatKind, ShowKind, ShowStatus };

/**
 * Who asks: a signed-in principal with its stable key (`principalKey`: `user:…`, `store:…`), or the hub itself
 * (`principal: null`, key `hub:<what>` — the waitlist's offers, the sweeper).
 */
export interface Caller {
  readonly principal: Principal | null;
  readonly key: string;
}

export interface Section {
  readonly code: string;
  readonly name: string;
  readonly priceMinor: number;
}

export interface Venue {
  readonly id: string;
  /** The store the venue is in (in-store events and services), or null: head office's venue. */
  readonly storeId: string | null;
  readonly name: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly seatCount: number;
  readonly sections: readonly Section[];
  readonly createdAt: number;
}

export interface Seat {
  /** 0..seatCount-1 in map order: a row's seats are consecutive numbers. */
  readonly seatNo: number;
  readonly section: string;
  readonly row: string;
  readonly number: number;
  readonly kind: SeatKind;
  /** `STALLS-C-12`: what tickets, maps and errors say. */
  readonly label: string;
}

export interface Show {
  readonly id: string;
  readonly venueId: string;
  readonly storeId: string | null;
  readonly title: string;
  readonly kind: ShowKind;
  readonly startsAt: number;
  readonly endsAt: number;
  /** SEATED: the venue's seats; CAPACITY: places. */
  readonly capacity: number;
  /** CAPACITY: places held or sold now. */
  readonly taken: number;
  /** CAPACITY: the price of a place; SEATED: null (each section has its price). */
  readonly priceMinor: number | null;
  readonly currency: string;
  /** This show's hold length, else the hub's (`BOOKING_HOLD_MINUTES`). */
  readonly holdMinutes: number | null;
  /** This show's refund cutoff, else the hub's (`BOOKING_REFUND_CUTOFF_HOURS`). */
  readonly refundCutoffHours: number | null;
  readonly status: ShowStatus;
  readonly version: number;
  readonly createdAt: number;
}

/** A hold, and once CONFIRMED the booking (same id). */
export interface Hold {
  readonly id: string;
  readonly showId: string;
  readonly customerId: string;
  readonly status: HoldStatus;
  readonly origin: 'DIRECT' | 'WAITLIST';
  /** SEATED: the seats, in seat-number order; CAPACITY: empty. */
  readonly seatNos: readonly number[];
  readonly places: number;
  readonly amountMinor: number;
  readonly currency: string;
  readonly expiresAt: number;
  readonly createdAt: number;
  /** The caller's key (`principalKey`) that placed it: they may see, release and confirm it. */
  readonly createdBy: string;
  readonly confirmedAt: number | null;
  readonly endedAt: number | null;
  readonly endedReason: string | null;
  readonly refundMinor: number | null;
  readonly refundState: 'NONE' | 'DUE' | 'DONE' | null;
}

/**
 * What to hold: named seats (`seats`: labels like `STALLS-C-12`), the best `count` adjacent seats (optionally in one
 * section), or `places` at a CAPACITY show. All or nothing. `accessible` lets the hold take wheelchair spaces.
 */
export interface HoldRequest {
  readonly showId: string;
  readonly customerId: string;
  readonly seats?: readonly string[];
  readonly best?: { readonly count: number; readonly section?: string };
  readonly places?: number;
  readonly accessible?: boolean;
}

/**
 * The holds' side of lane A (service.ts), as the sales side (sales.ts, waitlist.ts) and the live map use it.
 * `onFreed` is told after commit which shows got seats or places back (the waitlist offers them).
 */
export interface SeatHolder {
  place(caller: Caller, req: HoldRequest, origin?: 'DIRECT' | 'WAITLIST'): Promise<Hold>;
  show(showId: string): Promise<Show | undefined>;
  hold(holdId: string): Promise<Hold | undefined>;
  /** Frees holds past their expiry (HELD only); returns how many ended. */
  expireDue(): Promise<number>;
  onFreed: (showIds: readonly string[]) => void;
}
