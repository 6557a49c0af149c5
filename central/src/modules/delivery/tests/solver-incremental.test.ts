import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSolomon } from '../solver/solomon.js';
import { solveVrptw } from '../solver/solve.js';
import type { Customer, Vehicle, VrptwProblem, VrptwSolution } from '../solver/types.js';
import { feasibilityProblems } from './solver-feasibility.js';

/**
 * Re-planning a plan already driving: new customers arrive, a driver drops out. What is done is gone from the
 * problem, the stop each vehicle is driving to is frozen, and each vehicle starts where it is, when it is there.
 * Plus random small problems (fast-check) of every shape the solver takes — frozen prefixes, reloads, route-duration
 * caps, vehicles starting and ending elsewhere, asymmetric non-metric matrices — each checked by the tests' checker.
 */
const R101 = parseSolomon(
  readFileSync(new URL('../../../../../../shared/data/solomon/R101.txt', import.meta.url), 'utf8'),
);
const ids = (p: VrptwProblem, route: VrptwSolution['routes'][number]) =>
  route.stops.map((x) => p.customers[x.customer]!.id);

/**
 * The plan `s` at time `now`: stops left by then are done (dropped), each vehicle's next stop is under way (frozen),
 * and it starts from its last stop at the time it left it. `extra` customers join; vehicles in `dropped` leave the
 * fleet (their stops not yet under way become free). Returns the new problem and each route's done/under-way ids.
 */
function advance(p: VrptwProblem, s: VrptwSolution, now: number, extra: Customer[], dropped: Set<string>) {
  const done = new Set<string>();
  const vehicles: Vehicle[] = [];
  const frozenIds = new Map<string, string[]>();
  const positions = new Map<string, { location: number; time: number }>();
  for (const route of s.routes) {
    const v = p.vehicles[route.vehicle]!;
    let location = v.startLocation;
    let time = Math.max(v.startTime, route.departure);
    let k = 0;
    while (k < route.stops.length && route.stops[k]!.departure <= now) {
      const stop = route.stops[k]!;
      done.add(p.customers[stop.customer]!.id);
      location = p.customers[stop.customer]!.location;
      time = stop.departure;
      k++;
    }
    positions.set(v.id, { location, time });
    // The stop it is driving to (it left its last stop already, so that one is under way).
    if (k > 0 && k < route.stops.length && !dropped.has(v.id))
      frozenIds.set(v.id, [p.customers[route.stops[k]!.customer]!.id]);
  }
  const customers = [...p.customers.filter((c) => !done.has(c.id)), ...extra];
  const indexOf = new Map(customers.map((c, i) => [c.id, i]));
  for (const v of p.vehicles) {
    if (dropped.has(v.id)) continue;
    const at = positions.get(v.id);
    const frozen = frozenIds.get(v.id) ?? [];
    vehicles.push({
      ...v,
      startLocation: at?.location ?? v.startLocation,
      startTime: at ? at.time : v.startTime,
      frozen: frozen.length ? { customers: frozen.map((id) => indexOf.get(id)!), reloadAtEnd: false } : undefined,
    });
  }
  return { problem: { ...p, customers, vehicles }, frozenIds, done };
}

describe('incremental re-optimisation', () => {
  const first = solveVrptw(
    { ...R101, customers: R101.customers.slice(0, 60) },
    { budgetMs: 60_000, maxIterations: 1500, seed: 1 },
  );
  const half = { ...R101, customers: R101.customers.slice(0, 60) };

  it('customers that arrive mid-shift join the plan; every stop under way stays where it was', () => {
    expect(feasibilityProblems(half, first)).toEqual([]);
    const now = 60;
    const newcomers = R101.customers.slice(60).filter((c) => c.due > now + 30);
    const { problem, frozenIds, done } = advance(half, first, now, newcomers, new Set());
    expect(done.size).toBeGreaterThan(0);
    expect(frozenIds.size).toBeGreaterThan(0);
    const again = solveVrptw(problem, { budgetMs: 60_000, maxIterations: 1500, seed: 2 });
    expect(feasibilityProblems(problem, again)).toEqual([]);
    for (const route of again.routes) {
      const v = problem.vehicles[route.vehicle]!;
      const frozen = frozenIds.get(v.id) ?? [];
      expect(ids(problem, route).slice(0, frozen.length)).toEqual(frozen);
    }
    // Newcomers are served, or refused with a reason — none silently dropped.
    const served = new Set(again.routes.flatMap((r) => ids(problem, r)));
    for (const c of newcomers)
      expect(served.has(c.id) || again.unserved.some((u) => problem.customers[u.customer]!.id === c.id)).toBe(true);
    expect(served.size).toBeGreaterThan(problem.customers.length - newcomers.length);
  });

  it("a driver who drops out: the stops they had not started go to the other vehicles, the others' stops under way stay", () => {
    const now = 40;
    const victim = first.routes.find((r) => r.stops.filter((x) => x.departure > now).length >= 3)!;
    const victimId = half.vehicles[victim.vehicle]!.id;
    const orphans = victim.stops.filter((x) => x.departure > now).map((x) => half.customers[x.customer]!.id);
    const { problem, frozenIds } = advance(half, first, now, [], new Set([victimId]));
    expect(problem.vehicles.some((v) => v.id === victimId)).toBe(false);
    const again = solveVrptw(problem, { budgetMs: 60_000, maxIterations: 1500, seed: 3 });
    expect(feasibilityProblems(problem, again)).toEqual([]);
    const servedBy = new Map<string, string>();
    for (const route of again.routes) {
      const v = problem.vehicles[route.vehicle]!;
      const order = ids(problem, route);
      expect(order.slice(0, (frozenIds.get(v.id) ?? []).length)).toEqual(frozenIds.get(v.id) ?? []);
      for (const id of order) servedBy.set(id, v.id);
    }
    for (const id of orphans) {
      const by = servedBy.get(id);
      const refused = again.unserved.find((u) => problem.customers[u.customer]!.id === id);
      expect(by ?? refused?.reason, `orphan ${id}`).toBeTruthy();
      expect(by).not.toBe(victimId);
    }
  });

  it('a van that reloads: new stops come after a visit to the depot, with its whole capacity again', () => {
    const line: VrptwProblem = {
      distances: { kind: 'euclidean', x: [0, 10, 20, 30], y: [0, 0, 0, 0] },
      customers: [1, 2, 3].map((l) => ({ id: `c${l}`, location: l, demand: 8, ready: 0, due: 500, service: 2 })),
      vehicles: [
        {
          id: 'van',
          capacity: 10,
          startLocation: 0,
          endLocation: 0,
          startTime: 0,
          latestEnd: 500,
          frozen: { customers: [0], reloadAtEnd: true },
        },
      ],
    };
    const s = solveVrptw(line, { budgetMs: 1000, maxIterations: 100 });
    expect(feasibilityProblems(line, s)).toEqual([]);
    // Capacity 10, demand 8 each: one run holds one stop; the reload makes room for exactly one more.
    expect(s.routes[0]!.stops.map((x) => x.customer)).toHaveLength(2);
    expect(s.routes[0]!.reloadAt).toBe(22); // 10 out, 2 of service, 10 back
    expect(s.unserved.map((u) => u.code)).toEqual(['fleet']);
  });
});

describe('which vehicle may serve whom, and how many stops a run holds', () => {
  it("a customer pinned to a vehicle is served by it or refused; a run's stop limit holds", () => {
    const p: VrptwProblem = {
      distances: { kind: 'euclidean', x: [0, 5, 6, 7, 8], y: [0, 0, 0, 0, 0] },
      customers: [1, 2, 3, 4].map((l, i) => ({
        id: `c${i}`,
        location: l,
        demand: 1,
        ready: 0,
        due: 100,
        service: 1,
        ...(i < 3 ? { vehicles: [0] } : {}),
      })),
      vehicles: ['a', 'b'].map((id) => ({
        id,
        capacity: 10,
        startLocation: 0,
        endLocation: 0,
        startTime: 0,
        latestEnd: 100,
        maxStops: 2,
      })),
    };
    const s = solveVrptw(p, { budgetMs: 1000, maxIterations: 100 });
    expect(feasibilityProblems(p, s)).toEqual([]);
    const byVehicle = Object.fromEntries(
      s.routes.map((r) => [p.vehicles[r.vehicle]!.id, r.stops.map((x) => x.customer)]),
    );
    expect(byVehicle.a).toHaveLength(2); // two of the three pinned to it, its limit
    expect(byVehicle.b).toEqual([3]); // the free one; b may not take a pinned one
    expect(s.unserved.map((u) => u.code)).toEqual(['fleet']);
  });
});

/** Random problems of every shape the solver takes. */
const problems = fc
  .record({
    n: fc.integer({ min: 1, max: 14 }),
    nv: fc.integer({ min: 1, max: 4 }),
    matrix: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    timePerDistance: fc.constantFrom(0.5, 1, 2),
  })
  .chain(({ n, nv, matrix, seed, timePerDistance }) =>
    fc.record({
      seed: fc.constant(seed),
      timePerDistance: fc.constant(timePerDistance),
      xy: fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })), {
        minLength: n + 2,
        maxLength: n + 2,
      }),
      matrix: matrix
        ? fc.array(fc.integer({ min: 0, max: 120 }), { minLength: (n + 2) ** 2, maxLength: (n + 2) ** 2 })
        : fc.constant(null),
      customers: fc.array(
        fc.record({
          demand: fc.integer({ min: 0, max: 12 }),
          ready: fc.integer({ min: 0, max: 300 }),
          width: fc.integer({ min: 0, max: 400 }),
          service: fc.integer({ min: 0, max: 20 }),
          location: fc.integer({ min: 1, max: n + 1 }),
          only: fc.option(fc.array(fc.integer({ min: 0, max: nv - 1 }), { maxLength: 2 }), { freq: 4, nil: undefined }),
        }),
        { minLength: n, maxLength: n },
      ),
      vehicles: fc.array(
        fc.record({
          capacity: fc.integer({ min: 5, max: 40 }),
          start: fc.integer({ min: 0, max: n + 1 }),
          end: fc.constantFrom(0, 0, n + 1),
          startTime: fc.integer({ min: 0, max: 60 }),
          latestEnd: fc.integer({ min: 200, max: 900 }),
          maxDuration: fc.option(fc.integer({ min: 100, max: 800 }), { nil: undefined }),
          maxStops: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
          frozen: fc.integer({ min: 0, max: 2 }),
          reload: fc.boolean(),
        }),
        { minLength: nv, maxLength: nv },
      ),
    }),
  )
  .map((g): VrptwProblem & { seed: number } => {
    const size = g.xy.length;
    let next = 0;
    const vehicles: Vehicle[] = g.vehicles.map((v, i) => {
      const frozen: number[] = [];
      let load = 0;
      while (frozen.length < v.frozen && next < g.customers.length && load + g.customers[next]!.demand <= v.capacity) {
        load += g.customers[next]!.demand;
        frozen.push(next++);
      }
      return {
        id: `v${i}`,
        capacity: v.capacity,
        startLocation: v.start,
        endLocation: v.end,
        startTime: v.startTime,
        latestEnd: v.latestEnd,
        maxDuration: v.maxDuration,
        maxStops: v.maxStops,
        frozen: frozen.length ? { customers: frozen, reloadAtEnd: v.reload } : undefined,
      };
    });
    return {
      seed: g.seed,
      timePerDistance: g.timePerDistance,
      distances: g.matrix
        ? { kind: 'matrix', size, values: g.matrix.map((d, k) => (Math.floor(k / size) === k % size ? 0 : d)) }
        : { kind: 'euclidean', x: g.xy.map((p) => p[0]), y: g.xy.map((p) => p[1]) },
      customers: g.customers.map((c, i) => ({
        id: `c${i}`,
        location: c.location,
        demand: c.demand,
        ready: c.ready,
        due: c.ready + c.width,
        service: c.service,
        ...(c.only ? { vehicles: c.only } : {}),
      })),
      vehicles,
    };
  });

describe('random small problems', () => {
  it('every answer passes the checker: each customer once or refused with a reason, frozen stops first', () => {
    fc.assert(
      fc.property(problems, fc.constantFrom('distance', 'vehicles'), (p, objective) => {
        const s = solveVrptw(p, { budgetMs: 10_000, maxIterations: 60, seed: p.seed, objective });
        expect(feasibilityProblems(p, s)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('construction alone passes it too', () => {
    fc.assert(
      fc.property(problems, (p) => {
        const s = solveVrptw(p, { budgetMs: 0, constructionOnly: true });
        expect(feasibilityProblems(p, s)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
