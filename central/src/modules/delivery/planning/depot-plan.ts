import { distanceKm, ROAD_FACTOR, type Point } from '../geo.js';
import { formatWeight } from '../goods.js';
import { clockTime } from '../local-time.js';
import { HANDLING_MIN, shiftsFrom } from '../promise.js';
import type { Customer, Vehicle, VrptwProblem, VrptwSolution } from '../solver/types.js';

/**
 * One depot's vans as a VRPTW, and the solver's answer as the rows to write — pure (the instant comes in as `now`).
 *
 * Time is in minutes from `now`, distance in road km (1.3 × the great circle, as the promise counts), travel time at
 * the slowest active van's speed. Each active van is a vehicle for its current (or next) shift: it leaves its depot
 * after loading (10 minutes) and is back by the shift's end, carrying `capacity_grams` and at most `capacity_stops`.
 *
 * - Deliveries on board (OUT_FOR_DELIVERY, ARRIVING) are frozen, in the order the live route had them, timed from
 *   the van's last known position; new stops come after a trip back to the depot to load them.
 * - A van's ASSIGNED deliveries stay on it (the store has bagged them for that van); those of a van taken off duty
 *   go to whichever active van fits them, and the goods already on that van stay with it.
 * - ASSIGNED deliveries whose window opens after every active van's shift are left for a later plan.
 * - What fits no van is reported with the reason — never planned late.
 */
export const SERVICE_MIN = 3;
const MINUTE = 60_000;
/** A position older than this says little about where the van is now. */
const POSITION_FRESH_MS = 15 * MINUTE;

export type StopState = 'PLANNED' | 'UNDER_WAY' | 'DONE';

/** A stop of `delivery_routes.stops`, as tracking reads it: `arriveAt` is when service starts at the door. */
export interface StoredStop {
  readonly deliveryId: string;
  readonly arriveAt: number;
  readonly departAt: number;
  readonly state: StopState;
}

export interface VanInput {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly active: boolean;
  readonly base: Point;
  readonly capacityGrams: number;
  readonly capacityStops: number;
  readonly speedKmh: number;
  readonly shiftStartMin: number;
  readonly shiftEndMin: number;
  /** The driver app's latest position. */
  readonly position: (Point & { readonly at: number }) | null;
  readonly liveRoute: { readonly id: string; readonly stops: readonly StoredStop[] } | null;
}

export interface DeliveryInput {
  readonly id: string;
  readonly status: string;
  readonly carrierId: string;
  readonly weightGrams: number;
  readonly window: { readonly from: number; readonly to: number };
  readonly door: Point;
}

export interface DepotInputs {
  readonly now: number;
  readonly timezone: string;
  readonly vans: readonly VanInput[];
  /** Open deliveries (ASSIGNED, OUT_FOR_DELIVERY, ARRIVING) of the depot's vans. */
  readonly deliveries: readonly DeliveryInput[];
}

/** What the plan says to write. */
export interface DepotPlan {
  readonly routes: readonly {
    readonly vanId: string;
    readonly stops: readonly StoredStop[];
    readonly distanceKm: number;
    /** The planned stops' collection: when the van leaves the depot with them. */
    readonly leavesAt: number | null;
  }[];
  /** Deliveries given a van (the same or another), an ETA and a collection time. */
  readonly planned: readonly { readonly deliveryId: string; readonly vanId: string; eta: number; collectBy: number }[];
  /** Deliveries no van can fit, with the sentence the timeline shows. */
  readonly unfit: readonly { readonly deliveryId: string; readonly vanId: string; readonly reason: string }[];
  /** Deliveries for a later shift, not planned now. */
  readonly later: readonly string[];
}

const ON_BOARD = new Set(['OUT_FOR_DELIVERY', 'ARRIVING']);

/** The shift a van works next (the one under way, else the next), as instants; an all-day van works the next 24 h. */
function shiftOf(v: VanInput, now: number): { from: number; to: number } {
  const s = shiftsFrom(v, now, 1)[0]!;
  return { from: Math.max(now, s.from), to: Number.isFinite(s.to) ? s.to : now + 1440 * MINUTE };
}

/** The depot's problem, with what each customer and vehicle index stands for. */
export interface DepotProblem {
  readonly problem: VrptwProblem;
  /** Customer i is deliveries[i]. */
  readonly deliveries: readonly DeliveryInput[];
  /** Vehicle r is vans[r] (the active ones). */
  readonly vans: readonly VanInput[];
  readonly later: readonly string[];
}

export function depotProblem(input: DepotInputs): DepotProblem {
  const { now } = input;
  const active = input.vans.filter((v) => v.active);
  const vanIndex = new Map(active.map((v, r) => [v.id, r]));
  const shifts = active.map((v) => shiftOf(v, now));
  // With no van on duty nothing is for later: each delivery is reported (no van can fit it).
  const lastShiftEnd = shifts.length ? Math.max(...shifts.map((s) => s.to)) : Number.POSITIVE_INFINITY;
  const byVan = new Map<string, DeliveryInput[]>();
  for (const d of input.deliveries) byVan.set(d.carrierId, [...(byVan.get(d.carrierId) ?? []), d]);

  const later: string[] = [];
  const deliveries: DeliveryInput[] = [];
  const points: Point[] = [];
  const at = (p: Point) => points.push(p) - 1;
  const customers: Customer[] = [];
  const vehicles: Vehicle[] = [];
  const toMin = (ms: number) => (ms - now) / MINUTE;
  const customerOf = (d: DeliveryInput, only: number[] | undefined): number => {
    deliveries.push(d);
    customers.push({
      id: d.id,
      location: at(d.door),
      demand: d.weightGrams,
      ready: toMin(d.window.from),
      due: toMin(d.window.to),
      service: SERVICE_MIN,
      ...(only ? { vehicles: only } : {}),
    });
    return customers.length - 1;
  };

  for (const [r, v] of active.entries()) {
    const mine = byVan.get(v.id) ?? [];
    const order = new Map(v.liveRoute?.stops.map((s, i) => [s.deliveryId, i]) ?? []);
    const onBoard = mine
      .filter((d) => ON_BOARD.has(d.status))
      .sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9) || a.window.to - b.window.to);
    const frozen = onBoard.map((d) => customerOf(d, [r]));
    const base = at(v.base);
    let start = base;
    if (frozen.length) {
      const fresh = v.position && now - v.position.at <= POSITION_FRESH_MS ? v.position : null;
      const lastDone = v.liveRoute?.stops.filter((s) => s.state === 'DONE').at(-1);
      const lastDoor = lastDone && input.deliveries.find((d) => d.id === lastDone.deliveryId)?.door;
      start = fresh ? at(fresh) : lastDoor ? at(lastDoor) : base;
    }
    vehicles.push({
      id: v.id,
      capacity: v.capacityGrams,
      maxStops: v.capacityStops,
      startLocation: start,
      endLocation: base,
      startTime: frozen.length ? 0 : toMin(shifts[r]!.from) + HANDLING_MIN.VAN,
      latestEnd: toMin(shifts[r]!.to),
      ...(frozen.length ? { frozen: { customers: frozen, reloadAtEnd: true } } : {}),
    });
  }
  for (const v of input.vans) {
    const r = vanIndex.get(v.id);
    for (const d of byVan.get(v.id) ?? []) {
      if (ON_BOARD.has(d.status)) continue; // on board an active van: frozen above; a dropped van's: stays with it
      // Its own van's shift for a van's own delivery; any van's for one whose van is off duty.
      if (d.window.from >= (r === undefined ? lastShiftEnd : shifts[r]!.to)) later.push(d.id);
      else customerOf(d, r === undefined ? undefined : [r]);
    }
  }

  const size = points.length;
  const values = new Float64Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = i + 1; j < size; j++)
      values[i * size + j] = values[j * size + i] = distanceKm(points[i]!, points[j]!) * ROAD_FACTOR;
  const slowest = Math.min(...active.map((v) => v.speedKmh), Number.POSITIVE_INFINITY);
  return {
    problem: {
      distances: { kind: 'matrix', size, values },
      timePerDistance: Number.isFinite(slowest) ? 60 / slowest : 1,
      customers,
      vehicles,
    },
    deliveries,
    vans: active,
    later,
  };
}

/** Turns the solver's answer into route rows and delivery changes (see `DepotPlan`). */
export function depotPlan(input: DepotInputs, built: DepotProblem, solution: VrptwSolution): DepotPlan {
  const { now, timezone } = input;
  const { deliveries, vans, later } = built;
  const ms = (min: number) => Math.round(now + min * MINUTE);
  const routes: DepotPlan['routes'][number][] = [];
  const planned: DepotPlan['planned'][number][] = [];
  for (const route of solution.routes) {
    const van = vans[route.vehicle]!;
    const free = route.stops.filter((s) => !s.frozen);
    const leavesAt = free.length ? ms(route.reloadAt ?? route.departure) : null;
    const stops: StoredStop[] = route.stops.map((s) => ({
      deliveryId: deliveries[s.customer]!.id,
      arriveAt: ms(s.start),
      departAt: ms(s.departure),
      state: s.frozen ? 'UNDER_WAY' : 'PLANNED',
    }));
    routes.push({ vanId: van.id, stops, distanceKm: route.distance, leavesAt });
    for (const s of free)
      planned.push({ deliveryId: deliveries[s.customer]!.id, vanId: van.id, eta: ms(s.start), collectBy: leavesAt! });
  }
  const heaviest = Math.max(0, ...vans.map((v) => v.capacityGrams));
  const unfit = solution.unserved.map((u) => {
    const d = deliveries[u.customer]!;
    const why = !vans.length
      ? 'no van of this depot is on duty'
      : u.code === 'capacity'
        ? `it weighs ${formatWeight(d.weightGrams)}, more than a van of this depot carries (${formatWeight(heaviest)})`
        : u.code === 'window'
          ? `its window closes at ${clockTime(d.window.to, now, timezone)}, before any van can get there`
          : u.code === 'duration'
            ? 'no van can get there and back before its shift ends'
            : 'every van that could get there in its window is full or busy then';
    return { deliveryId: d.id, vanId: d.carrierId, reason: `no van can fit it: ${why}` };
  });
  return { routes, planned, unfit, later };
}
