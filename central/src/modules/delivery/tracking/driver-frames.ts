import { z } from 'zod';
import { uuidSchema, type DeliveryStatus } from '@storefleet/shared';

/**
 * The drivers' socket (`/api/delivery/drivers`) on the wire: what a driver app sends (strict, bounded; anything else
 * is answered with an error frame) and what the hub answers. Every frame a driver sends may carry a `ref` of its own,
 * echoed in the answer (`ok` or `error`), so the app knows which frame was taken or refused.
 */

const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const ref = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'a ref is 1–64 letters, digits or . _ : -' })
  .optional();
/** A line break or tab is text; other control characters (NUL, escape, delete) are not. */
const hasControlCharacters = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return true;
  }
  return false;
};
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacters(s), { message: 'must not hold control characters' });

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
    proof: z.strictObject({ kind: z.enum(PROOF_KINDS), ref: text(200) }),
    pin: z
      .string()
      .regex(/^\d{6}$/, { message: 'a PIN is six digits' })
      .optional(),
  }),
  /** Not delivered (nobody home, refused, the age check failed): the goods go back to the store. */
  z.strictObject({ type: z.literal('failed'), ref, deliveryId: uuidSchema, reason: text(300) }),
  /** The goods of a failed delivery are back at their store. */
  z.strictObject({ type: z.literal('back-at-store'), ref, deliveryId: uuidSchema }),
  /** Asks for this carrier's runs: what to collect, deliver or bring back. */
  z.strictObject({ type: z.literal('list'), ref }),
]);
export type DriverFrame = z.infer<typeof driverFrameSchema>;

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
  | { readonly type: 'runs'; readonly ref?: string | undefined; readonly deliveries: readonly RunDelivery[] }
  | {
      readonly type: 'ok';
      readonly ref?: string | undefined;
      readonly of: DriverFrame['type'];
      readonly deliveryId?: string | undefined;
      readonly status?: string | undefined;
      /** True when the frame repeated one already taken (nothing changed). */
      readonly replayed?: boolean | undefined;
      /** After a position: the estimates it gave each delivery on board. */
      readonly etas?: Readonly<Record<string, number>> | undefined;
    }
  | { readonly type: 'error'; readonly ref?: string | undefined; readonly code: string; readonly message: string };
