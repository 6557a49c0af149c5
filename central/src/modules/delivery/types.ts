import type { CarrierKind, DeliveryRequest, DeliveryStatus } from '@storefleet/shared';

/** A carrier as the hub keeps it (`delivery_carriers`); see schema/001_init.sql for what each field means. */
export interface Carrier {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly kind: CarrierKind;
  readonly depotId: string | null;
  readonly lat: number;
  readonly lon: number;
  readonly radiusKm: number;
  readonly capacityGrams: number;
  readonly capacityStops: number;
  readonly speedKmh: number;
  readonly shiftStartMin: number;
  readonly shiftEndMin: number;
  readonly costBaseMinor: number;
  readonly costPerKmMinor: number;
  readonly grounded: boolean;
  readonly active: boolean;
  readonly simulator: CarrierSimulation | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** How a simulated carrier behaves (a real integration has none). */
export interface CarrierSimulation {
  /** Share of offers it accepts, 0..1. */
  readonly acceptRate: number;
  /** How long it takes to answer, ms (a uniform draw between the two). */
  readonly answerMs: readonly [number, number];
  /** Share of offers it never answers (the offer times out). */
  readonly silentRate: number;
  /** Share of accepted runs whose driver drops out before collecting. */
  readonly dropOutRate: number;
  /** Share of deliveries that fail at the door (nobody home). */
  readonly failRate: number;
}

/** A delivery as the hub keeps it (`deliveries`). */
export interface Delivery {
  readonly id: string;
  readonly orderId: string;
  readonly orderNumber: string;
  readonly storeId: string;
  readonly reservationId: string;
  readonly customerName: string;
  readonly request: DeliveryRequest;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
  readonly weightGrams: number;
  readonly ageRestricted: boolean;
  readonly window: { readonly from: number; readonly to: number };
  readonly status: DeliveryStatus;
  readonly carrierId: string | null;
  readonly driver: { readonly name: string; readonly vehicle: string } | null;
  readonly collectBy: number | null;
  readonly eta: number | null;
  readonly failure: string | null;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One term of an offer's score, as the console shows it: "ETA 34 min before the window closes: +18.2". */
export interface ScoreTerm {
  readonly name: 'cost' | 'eta' | 'capacity' | 'reliability';
  /** The measured value in its unit (minor units, minutes of slack, share of capacity left, share of offers kept). */
  readonly value: number;
  readonly weight: number;
  /** What the term adds to the total. */
  readonly points: number;
  /** One sentence a dispatcher reads. */
  readonly why: string;
}

export interface OfferScore {
  readonly total: number;
  readonly terms: readonly ScoreTerm[];
}

export const OFFER_STATUSES = ['PENDING', 'ACCEPTED', 'DECLINED', 'TIMED_OUT', 'WITHDRAWN'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

export interface Offer {
  readonly id: string;
  readonly deliveryId: string;
  readonly carrierId: string;
  readonly rank: number;
  readonly score: OfferScore;
  readonly status: OfferStatus;
  readonly offeredAt: number;
  readonly expiresAt: number;
  readonly answeredAt: number | null;
  readonly note: string | null;
}
