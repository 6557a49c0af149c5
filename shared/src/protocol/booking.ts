import { z } from 'zod';
import { deliveryText } from './delivery.js';

/**
 * Booking on the wire, defined once (issue #19): the store's copy of the shows and services it runs
 * (`booking.show`, hub → store), the bookings cancelled since their tickets were printed (`booking.cancelled`,
 * hub → store: the door refuses them offline), a ticket let in at a store's door (`booking.admitted`, store → hub),
 * and the live seat map's frames (hub → viewer, over `/api/booking/shows/{id}/live`). Strict and bounded.
 */
const uuid = z.string().uuid();
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const storeId = z.string().min(1).max(64);
const currency = z.string().regex(/^[A-Z]{3}$/);

/** SEATED: a venue's seat map, seats picked one by one. CAPACITY: a slot with N places (a workshop, an eye test). */
export const SHOW_KINDS = ['SEATED', 'CAPACITY'] as const;
export type ShowKind = (typeof SHOW_KINDS)[number];
/** ON_SALE until it starts; CANCELLED by the venue (every booking refunded in full). */
export const SHOW_STATUSES = ['ON_SALE', 'CANCELLED'] as const;
export type ShowStatus = (typeof SHOW_STATUSES)[number];
/** A wheelchair space, the companion seat beside one, or any other seat. */
export const SEAT_KINDS = ['STANDARD', 'WHEELCHAIR', 'COMPANION'] as const;
export type SeatKind = (typeof SEAT_KINDS)[number];

/**
 * A hold's life. HELD: its seats are the customer's until `expiresAt`; CONFIRMING: paying (the seats stay theirs
 * whatever the clock says, until the provider answers); CONFIRMED: a booking with tickets; EXPIRED (the sweeper freed
 * it), RELEASED (the customer let it go), FAILED (the payment was refused; its seats are free again), CANCELLED (a
 * booking cancelled; refunded by the rules).
 */
export const BOOKING_HOLD_STATUSES = [
  'HELD',
  'CONFIRMING',
  'CONFIRMED',
  'EXPIRED',
  'RELEASED',
  'FAILED',
  'CANCELLED',
] as const;
export type BookingHoldStatus = (typeof BOOKING_HOLD_STATUSES)[number];

/** A show or service slot a store runs, as the store keeps it (its kiosk lists them, its door checks against them). */
export const bookingShowSchema = z.strictObject({
  showId: uuid,
  storeId,
  venueName: deliveryText(120),
  title: deliveryText(200),
  kind: z.enum(SHOW_KINDS),
  startsAt: epochMs,
  endsAt: epochMs,
  /** Seats or places in all. */
  capacity: z.number().int().min(1).max(100_000),
  /** The lowest price of a seat or place, in minor units (0: free). */
  priceFromMinor: z.number().int().min(0).max(100_000_000),
  currency,
  status: z.enum(SHOW_STATUSES),
  /** The hub's change counter for the show: a store keeps the highest it has seen (entries may come twice or late). */
  version: z.number().int().min(0),
});
export type BookingShowEntry = z.infer<typeof bookingShowSchema>;

/** A booking cancelled (by the customer, the store or head office, or with its show): its tickets no longer let in. */
export const bookingCancelledSchema = z.strictObject({
  bookingId: uuid,
  showId: uuid,
  storeId,
  cancelledAt: epochMs,
});
export type BookingCancelledEntry = z.infer<typeof bookingCancelledSchema>;

/** A ticket let in at a store's door (offline too): `ticketNo` counts from 1 within its booking. */
export const bookingAdmittedSchema = z.strictObject({
  bookingId: uuid,
  ticketNo: z.number().int().min(1).max(100),
  showId: uuid,
  admittedAt: epochMs,
  /** Which door device or associate let it in, for the record. */
  by: deliveryText(80).optional(),
});
export type BookingAdmitted = z.infer<typeof bookingAdmittedSchema>;

export const bookingFeedSchemas = {
  'booking.show': bookingShowSchema,
  'booking.cancelled': bookingCancelledSchema,
} as const;

/**
 * The live seat map (`WS /api/booking/shows/{showId}/live`). First a `snapshot`: every seat's state, one character per
 * seat in seat-number order (`.` free, `h` held, `s` sold, `x` not for sale); then, once per tick and only when
 * something changed, one `changes` frame per show with every seat that moved since the last (seat numbers by their
 * new state). `version` grows by one per frame sent to that viewer, so a gap means a lost frame: reconnect.
 */
export const seatMapSnapshotSchema = z.strictObject({
  type: z.literal('snapshot'),
  showId: uuid,
  version: z.number().int().min(0),
  seats: z
    .string()
    .regex(/^[.hsx]*$/)
    .max(100_000),
  /** CAPACITY shows: places left (a SEATED show's count of free seats otherwise). */
  free: z.number().int().min(0),
});
const seatNos = z.array(z.number().int().min(0).max(99_999)).max(100_000);
export const seatMapChangesSchema = z.strictObject({
  type: z.literal('changes'),
  showId: uuid,
  version: z.number().int().min(1),
  free: seatNos,
  held: seatNos,
  sold: seatNos,
  /** Free seats or places left after these changes. */
  left: z.number().int().min(0),
});
/** The show was cancelled or ended: the socket closes after this frame. */
export const seatMapClosedSchema = z.strictObject({
  type: z.literal('closed'),
  showId: uuid,
  reason: deliveryText(200),
});
export const seatMapFrameSchema = z.discriminatedUnion('type', [
  seatMapSnapshotSchema,
  seatMapChangesSchema,
  seatMapClosedSchema,
]);
export type SeatMapFrame = z.infer<typeof seatMapFrameSchema>;
