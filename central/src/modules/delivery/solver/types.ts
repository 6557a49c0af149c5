/**
 * The VRPTW solver's input and output (issue #18): plain data, no database, so the route planner, the tests and the
 * `vrptw` benchmark hand it the same shape, and it crosses a worker boundary by structured clone.
 *
 * Units are the caller's: distances in any unit (km for vans, Euclidean for Solomon), times in any unit (minutes for
 * vans, Solomon's own), with `timePerDistance` turning one into the other (1 for Solomon, 60 / speed_kmh for vans).
 * Waiting is allowed: a vehicle that arrives before a window opens waits; one that would arrive after it closes may
 * not go there, so a stop is never planned late.
 */

/** Where things are: a square matrix of distances between locations, or points in the plane (Euclidean). */
export type Distances =
  | { readonly kind: 'matrix'; readonly size: number; readonly values: ArrayLike<number> }
  | { readonly kind: 'euclidean'; readonly x: ArrayLike<number>; readonly y: ArrayLike<number> };

export interface Customer {
  /** The caller's name for it (a delivery id, a Solomon customer number), echoed back. */
  readonly id: string;
  readonly location: number;
  readonly demand: number;
  /** Service may start from `ready` and must start by `due` (arrival after `due` is refused, waiting is not). */
  readonly ready: number;
  readonly due: number;
  readonly service: number;
  /**
   * The vehicles (indices into `VrptwProblem.vehicles`) that may serve it; all of them when left out. A van's own
   * deliveries are pinned to it this way, while a dropped-out van's go to whichever van fits them.
   */
  readonly vehicles?: readonly number[];
}

/**
 * Stops a vehicle is already committed to, in order, that the solver must not move (the van is loaded and on its way).
 * They are served first, timed from the vehicle's `startLocation`/`startTime` (its current position and clock).
 */
export interface FrozenPrefix {
  /** Indices into `VrptwProblem.customers`. */
  readonly customers: readonly number[];
  /**
   * True when new stops need the vehicle back at its end location first (a van reloading at the depot): the free part
   * of its route then starts there, with its whole capacity. False: new stops follow the frozen ones directly, sharing
   * the capacity left.
   */
  readonly reloadAtEnd: boolean;
}

export interface Vehicle {
  readonly id: string;
  readonly capacity: number;
  readonly startLocation: number;
  readonly endLocation: number;
  /** Earliest departure (a shift's start, or now for a van already out). */
  readonly startTime: number;
  /** Back at `endLocation` by then (the end of a shift, the depot's closing time). */
  readonly latestEnd: number;
  /**
   * The longest a route may last, measured from `startTime` (a driver is paid from the start of the shift, so leaving
   * later does not buy time): the effective return deadline is min(latestEnd, startTime + maxDuration).
   */
  readonly maxDuration?: number;
  /**
   * The most stops it makes on one run (frozen stops count, unless it reloads before the new ones); no limit when
   * left out.
   */
  readonly maxStops?: number;
  readonly frozen?: FrozenPrefix;
}

export interface VrptwProblem {
  readonly distances: Distances;
  /** Travel time = distance × this (default 1). */
  readonly timePerDistance?: number;
  readonly customers: readonly Customer[];
  readonly vehicles: readonly Vehicle[];
}

/**
 * What is minimised. `distance`: total distance, plus `vehicleCost` per vehicle used (0 by default). `vehicles`:
 * Solomon's hierarchical objective — fewest vehicles first (a fleet-minimisation phase), then total distance with that
 * fleet. Either way serving a customer always beats leaving it out.
 */
export type Objective = 'distance' | 'vehicles';

export interface SolveOptions {
  /** Wall-clock budget of the improvement phase, ms. */
  readonly budgetMs: number;
  readonly objective?: Objective;
  readonly vehicleCost?: number;
  /** Same seed, same problem, same `maxIterations` binding before the budget → the same solution. */
  readonly seed?: number;
  /** Stops the improvement after this many ruin-and-recreate rounds (with the budget, whichever comes first). */
  readonly maxIterations?: number;
  /** Only the construction heuristic (Solomon's I1), for comparison. */
  readonly constructionOnly?: boolean;
  /** Checked between rounds; an aborted solve returns the best solution so far. */
  readonly signal?: AbortSignal;
}

/** One stop of a planned route. */
export interface PlannedStop {
  /** Index into `VrptwProblem.customers`. */
  readonly customer: number;
  readonly arrival: number;
  /** max(arrival, ready): the wait, if any, is before it. */
  readonly start: number;
  readonly departure: number;
  readonly frozen: boolean;
}

export interface PlannedRoute {
  /** Index into `VrptwProblem.vehicles`. */
  readonly vehicle: number;
  readonly stops: readonly PlannedStop[];
  /** When it leaves its start location (as late as waiting allows nothing to change: the earliest departure). */
  readonly departure: number;
  /** A visit to the end location between the frozen stops and the new ones (`FrozenPrefix.reloadAtEnd`), or null. */
  readonly reloadAt: number | null;
  /** Back at the end location. */
  readonly end: number;
  readonly distance: number;
  readonly load: number;
}

/** Why a customer is left out: the solver never plans a stop late or over capacity; it says so instead. */
export type UnservedCode = 'capacity' | 'window' | 'duration' | 'fleet';

export interface Unserved {
  readonly customer: number;
  readonly code: UnservedCode;
  /** A sentence a dispatcher reads: "weighs 40 kg, more than any vehicle carries (35 kg)". */
  readonly reason: string;
}

export interface VrptwSolution {
  /** One per vehicle that drives (a vehicle with nothing to do is left out). */
  readonly routes: readonly PlannedRoute[];
  readonly vehiclesUsed: number;
  readonly distance: number;
  readonly unserved: readonly Unserved[];
  readonly objective: Objective;
  readonly stats: {
    readonly iterations: number;
    readonly elapsedMs: number;
    /** Total distance and vehicles of the construction (Solomon I1), before improvement. */
    readonly construction: { readonly distance: number; readonly vehicles: number };
  };
}
