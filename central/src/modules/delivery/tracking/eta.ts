/**
 * Arrival estimates and the "arriving" geofence, as pure functions of positions and time (no I/O): the tracking
 * service feeds them what the database holds and writes back what they return.
 *
 * Distances are the promise's and the planner's (geo.ts): on the road, ROAD_FACTOR × the great circle, for everything
 * but a drone, which flies the straight line — so the estimate a customer watches is measured as the window they were
 * promised was, and does not run early by the detour.
 *
 * - A van with a planned route: its remaining stops in the route's order, each reached at the carrier's speed from the
 *   one before, waiting for a stop's window to open (as the planner does) and spending the stop's planned service time
 *   there.
 * - Any other delivery on board: from the driver's position to the door at the carrier's speed.
 */
import { distanceKm, ROAD_FACTOR, type Point } from '../geo.js';

export type { Point } from '../geo.js';
/** The straight line, for the geofence and the simulator's driving (geo.ts's great circle: one haversine). */
export { distanceKm as haversineKm } from '../geo.js';

/** Within this of the door (in a straight line), a delivery is ARRIVING. */
export const ARRIVING_RADIUS_KM = 0.3;

/** Who travels: its speed, and its kind (a drone flies, the rest drive). */
export interface Mover {
  readonly speedKmh: number;
  readonly kind: string;
}

/** Km `mover` covers from `a` to `b`: on the road, or the straight line for a drone (as promise.ts reckons). */
export const travelKm = (a: Point, b: Point, mover: Mover): number =>
  distanceKm(a, b) * (mover.kind === 'DRONE' ? 1 : ROAD_FACTOR);

/** Milliseconds to cover `km` at `speedKmh`. */
export const travelMs = (km: number, speedKmh: number): number => Math.round((km / speedKmh) * 3_600_000);

/** A stop still to make on a van's run. */
export interface RemainingStop {
  readonly deliveryId: string;
  readonly door: Point;
  /** The promised window's start: a van early for it waits. */
  readonly windowFrom: number;
  /** Time spent at the door (the plan's departure minus arrival). */
  readonly serviceMs: number;
}

/** The arrival time at each stop, in the given order, leaving `from` at `now`. */
export function etasAlong(from: Point, now: number, mover: Mover, stops: readonly RemainingStop[]) {
  const etas = new Map<string, number>();
  let at = now;
  let here = from;
  for (const s of stops) {
    at = Math.max(at + travelMs(travelKm(here, s.door, mover), mover.speedKmh), s.windowFrom);
    etas.set(s.deliveryId, at);
    at += s.serviceMs;
    here = s.door;
  }
  return etas;
}

/** The arrival at `door` from `from`, leaving at `now`, with no stop between. */
export const directEta = (from: Point, door: Point, now: number, mover: Mover): number =>
  now + travelMs(travelKm(from, door, mover), mover.speedKmh);

const FIVE_MIN = 5 * 60_000;

/**
 * The twenty minutes a customer is told ("arrives 14:20–14:40"): centred on the estimate, on five-minute marks, and
 * never starting before the current five minutes.
 */
export function etaWindow(eta: number, now: number): { from: number; to: number } {
  const floor5 = (t: number) => Math.floor(t / FIVE_MIN) * FIVE_MIN;
  const from = Math.max(floor5(eta - 2 * FIVE_MIN + FIVE_MIN / 2), floor5(now));
  return { from, to: from + 4 * FIVE_MIN };
}
