import { definePort } from '../../../kernel/ports.js';
import type { Carrier, CarrierSimulation, Delivery, Offer } from '../types.js';

/** The driver a carrier names when it accepts: who comes to the store, in what (a plate, a drone's id). */
export interface Driver {
  readonly name: string;
  readonly vehicle: string;
}

/** An offer as a carrier receives it: what to fetch, from where, to where, by when, and until when it may answer. */
export interface OfferSent {
  readonly offerId: string;
  readonly deliveryId: string;
  readonly carrierId: string;
  readonly orderNumber: string;
  /** 1 for the first carrier asked, 2 for the next… */
  readonly rank: number;
  readonly weightGrams: number;
  readonly stops: number;
  readonly window: { readonly from: number; readonly to: number };
  readonly collectBy: number;
  readonly expiresAt: number;
}

/** What became of an answer: it decided the offer (assigned or declined), or it came too late or twice (ignored). */
export type AnswerOutcome =
  | { readonly outcome: 'assigned' | 'declined'; readonly delivery: Delivery }
  | { readonly outcome: 'ignored'; readonly status: Offer['status'] };

/**
 * How a carrier's answers come back to the hub (the delivery service). Each is safe to call twice or late: the offer's
 * row decides (one open and one accepted offer per delivery), and a repeat or a late answer changes nothing.
 */
export interface CarrierAnswers {
  answer(
    offerId: string,
    carrierId: string,
    verdict: 'ACCEPT' | 'DECLINE',
    note: string | null,
    driver?: Driver,
  ): Promise<AnswerOutcome>;
  /** The driver of an accepted delivery gave it up before collecting it: it is offered again. */
  dropOut(deliveryId: string, carrierId: string, reason: string): Promise<AnswerOutcome>;
}

/**
 * One carrier as the hub reaches it: in-house vans answer by the hub's own rule, the others through their integration
 * (their driver app on the drivers' socket, or a simulator). Calls are fire-and-forget — the carrier answers later
 * through `CarrierAnswers` — and must not throw; an adapter that cannot deliver an offer lets it time out.
 */
export interface CarrierAdapter {
  /** Hands the offer to the carrier (again, after a hub restart: answering twice is harmless). */
  offer(offer: OfferSent, answers: CarrierAnswers): void;
  /** The offer is no longer open (timed out, or the order cancelled): an answer to it would be refused. */
  withdraw(offerId: string): void;
  /** The carrier had accepted this delivery and it is cancelled: the driver should not come. */
  cancel(deliveryId: string): void;
}

/**
 * How the hub reaches a carrier, as the carriers' reads show it: its own rule (in-house vans), a simulator, the
 * carrier's driver app on the drivers' socket (carriers/driver-app.ts), an integration handed in, or not at all.
 */
export type Integration = 'in-house' | 'simulator' | 'driver-app' | 'supplied' | 'none';

/**
 * The carriers' side of the hub: the adapter for each carrier row, or null when the hub cannot reach it (see
 * built-in-network.ts for which carriers a hub reaches through their driver app or a simulator). The hub
 * builds its own (built-in-network.ts); a test or an embedder hands one in as the external `CARRIER_NETWORK`.
 */
export interface CarrierNetwork {
  adapterFor(carrier: Carrier): CarrierAdapter | null;
  integrationOf(carrier: Carrier): Integration;
  /** Stops every timer it runs (the hub is stopping); answers after this are not sent. */
  stop(): void;
}

export const CARRIER_NETWORK = definePort<CarrierNetwork>(
  'delivery.carriers',
  'the carriers delivery offers are sent to (their integrations, or simulators)',
);

/**
 * How each kind of carrier behaves when the hub simulates it and its row names no behaviour (demo and test mode).
 * Gig drivers are choosy and slow to answer; a DSP answers fast and nearly always; drones answer at once.
 */
export const DEFAULT_SIMULATION: Record<Exclude<Carrier['kind'], 'VAN'>, CarrierSimulation> = {
  GIG: { acceptRate: 0.7, answerMs: [2_000, 20_000], silentRate: 0.1, dropOutRate: 0.05, failRate: 0.05 },
  DSP: { acceptRate: 0.9, answerMs: [1_000, 5_000], silentRate: 0.02, dropOutRate: 0.01, failRate: 0.03 },
  DRONE: { acceptRate: 0.95, answerMs: [200, 1_000], silentRate: 0, dropOutRate: 0.02, failRate: 0.02 },
};
