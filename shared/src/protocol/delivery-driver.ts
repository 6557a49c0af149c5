import { z } from 'zod';
import { uuidSchema } from '../validation.js';
import { deliveryText, type DeliveryStatus } from './delivery.js';

/**
 * The drivers' socket (`WS /api/delivery/drivers`) on the wire (issue #18), defined once for the hub and any driver
 * app: what a driver app sends (strict, bounded; anything else is answered with an error frame) and what the hub sends
 * it. Every frame a driver sends may carry a `ref` of its own, echoed in the answer (`ok`, `runs` or `error`), so the
 * app knows which frame was taken or refused. Frames the hub sends of its own accord (`welcome`, `offer`,
 * `offer-closed`, `cancelled`) carry no ref.
 */

const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const ref = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'a ref is 1–64 letters, digits or . _ : -' })
  .optional();

export const PROOF_KINDS = ['PHOTO', 'SIGNATURE'] as const;
export type ProofKind = (typeof PROOF_KINDS)[number];

export const driverFrameSchema = z.discriminatedUnion('type', [
  /** Where the driver is; `deliveryId` when heading for that delivery's door (or its store). */
  z.strictObject({
    type: z.literal('position'),
    ref,
    lat: z.number().finite().min(-90).max(90),
    lon: z.number().finite().min(-180).max(180),
    at: epochMs,
    deliveryId: uuidSchema.optional(),
  }),
  /** The driver has the goods (the store's hand-over may reach the hub later: a store offline). */
  z.strictObject({ type: z.literal('collected'), ref, deliveryId: uuidSchema }),
  /** Handed over at the door, with proof; `pin` is the customer's, for age-restricted goods. */
  z.strictObject({
    type: z.literal('delivered'),
    ref,
    deliveryId: uuidSchema,
    proof: z.strictObject({ kind: z.enum(PROOF_KINDS), ref: deliveryText(200) }),
    pin: z
      .string()
      .regex(/^\d{6}$/, { message: 'a PIN is six digits' })
      .optional(),
  }),
  /** Not delivered (nobody home, refused, the age check failed): the goods go back to the store. */
  z.strictObject({ type: z.literal('failed'), ref, deliveryId: uuidSchema, reason: deliveryText(300) }),
  /** The goods of a failed delivery are back at their store. */
  z.strictObject({ type: z.literal('back-at-store'), ref, deliveryId: uuidSchema }),
  /** Asks for this carrier's runs: what to collect, deliver or bring back. */
  z.strictObject({ type: z.literal('list'), ref }),
  /**
   * Takes an offer the hub sent (`offer`). `driver` names who comes and in what (a DSP's dispatcher naming its
   * driver); left out, the carrier's own name and code stand in.
   */
  z.strictObject({
    type: z.literal('accept'),
    ref,
    offerId: uuidSchema,
    driver: z.strictObject({ name: deliveryText(100), vehicle: deliveryText(40) }).optional(),
  }),
  /** Refuses an offer: the hub offers the delivery to the next carrier at once. */
  z.strictObject({ type: z.literal('decline'), ref, offerId: uuidSchema, reason: deliveryText(300).optional() }),
  /** Gives up a delivery this carrier accepted, before collecting it: the hub offers it to the next carrier. */
  z.strictObject({ type: z.literal('drop-out'), ref, deliveryId: uuidSchema, reason: deliveryText(300).optional() }),
]);
export type DriverFrame = z.infer<typeof driverFrameSchema>;

/**
 * A delivery offered to the carrier, as its driver app shows it before anyone takes it: the store to collect from,
 * the door's area (the street address and the customer's name come with the run, once accepted), the straight-line
 * distance, the window, the weight, the pay, and until when it may be taken.
 */
export const driverOfferSchema = z.strictObject({
  type: z.literal('offer'),
  offerId: uuidSchema,
  deliveryId: uuidSchema,
  orderNumber: z.string().regex(/^SF-\d{1,15}$/),
  store: z.strictObject({
    id: uuidSchema,
    name: z.string().max(200),
    lat: z.number().finite().min(-90).max(90),
    lon: z.number().finite().min(-180).max(180),
  }),
  area: z.strictObject({ city: z.string().max(200), postcode: z.string().max(40) }),
  /** Store to door in a straight line, one decimal. */
  distanceKm: z.number().finite().min(0).max(40_100),
  window: z.strictObject({ from: epochMs, to: epochMs }),
  /** When the driver is due at the store. */
  collectBy: epochMs,
  weightGrams: z.number().int().min(0).max(10_000_000),
  /** The customer's ID and PIN are checked at the door. */
  ageRestricted: z.boolean(),
  /** What the carrier is paid for it, in minor units (its base price plus its per-km price); null when not known. */
  payMinor: z.number().int().min(0).max(100_000_000).nullable(),
  /** An `accept` after this is refused: the delivery has gone to the next carrier. */
  expiresAt: epochMs,
});
export type DriverOffer = z.infer<typeof driverOfferSchema>;

/** One delivery on a driver's run, as the driver app sees it (the customer's door and first name, the store). */
export interface RunDelivery {
  readonly id: string;
  readonly orderNumber: string;
  readonly status: DeliveryStatus;
  readonly store: { readonly id: string; readonly name: string; readonly lat: number; readonly lon: number };
  readonly door: {
    readonly lat: number;
    readonly lon: number;
    readonly line1: string;
    readonly city: string;
    readonly postcode: string;
    readonly instructions: string | null;
  };
  readonly customerFirstName: string;
  readonly window: { readonly from: number; readonly to: number };
  readonly eta: number | null;
  readonly ageRestricted: boolean;
  /** Order on the van's planned route (1 = next), or null without one. */
  readonly stop: number | null;
}

/** What the hub sends a driver app. */
export type HubToDriver =
  | {
      readonly type: 'welcome';
      readonly carrier: {
        readonly code: string;
        readonly name: string;
        readonly kind: string;
        readonly lat: number;
        readonly lon: number;
        readonly speedKmh: number;
        /** The simulator's share of deliveries that fail at the door (0 for a real carrier). */
        readonly failRate: number;
      };
    }
  | DriverOffer
  /** The offer is no longer open (it timed out, was withdrawn, or the order was cancelled): an accept is refused. */
  | { readonly type: 'offer-closed'; readonly offerId: string }
  /** A delivery this carrier accepted was cancelled or taken off it before collecting: the driver should not come. */
  | { readonly type: 'cancelled'; readonly deliveryId: string }
  | { readonly type: 'runs'; readonly ref?: string | undefined; readonly deliveries: readonly RunDelivery[] }
  | {
      readonly type: 'ok';
      readonly ref?: string | undefined;
      readonly of: DriverFrame['type'];
      readonly offerId?: string | undefined;
      readonly deliveryId?: string | undefined;
      readonly status?: string | undefined;
      /** True when the frame repeated one already taken (nothing changed). */
      readonly replayed?: boolean | undefined;
      /** After a position: the estimates it gave each delivery on board. */
      readonly etas?: Readonly<Record<string, number>> | undefined;
    }
  | { readonly type: 'error'; readonly ref?: string | undefined; readonly code: string; readonly message: string };
