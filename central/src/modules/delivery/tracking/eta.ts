/**
 * Arrival estimates and the "arriving" geofence, as pure functions of positions and time (no I/O): the tracking
 * service feeds them what the database holds and writes back what they return.
 *
 * - A van with a planned route: its remaining stops in the route's order, each reached at the carrier's speed in a
 *   straight line from the one before, waiting for a stop's window to open (as the planner does) and spending the
 *   stop's planned service time there.
 * - Any other delivery on board: the straight line from the driver's position at the carrier's speed.
 */

export interface Point {
  readonly lat: number;
  readonly lon: number;
}

/** Within this of the door, a delivery is ARRIVING. */
export const ARRIVING_RADIUS_KM = 0.3;

const EARTH_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in km. */
export function haversineKm(a: Point, b: Point): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

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
export function etasAlong(from: Point, now: number, speedKmh: number, stops: readonly RemainingStop[]) {
  const etas = new Map<string, number>();
  let at = now;
  let here = from;
  for (const s of stops) {
    at = Math.max(at + travelMs(haversineKm(here, s.door), speedKmh), s.windowFrom);
    etas.set(s.deliveryId, at);
    at += s.serviceMs;
    here = s.door;
  }
  return etas;
}

/** The straight-line arrival at `door` from `from`, leaving at `now`. */
export const straightEta = (from: Point, door: Point, now: number, speedKmh: number): number =>
  now + travelMs(haversineKm(from, door), speedKmh);

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
