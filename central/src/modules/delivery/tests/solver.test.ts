import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSolomon } from '../solver/solomon.js';
import { solveVrptw, VrptwInputError } from '../solver/solve.js';
import type { Customer, Vehicle, VrptwProblem } from '../solver/types.js';
import { feasibilityProblems } from './solver-feasibility.js';

/**
 * The VRPTW solver on Solomon's instances and on hand-made ones: every answer goes through the tests' own feasibility
 * check (solver-feasibility.ts). Runs are bounded by iterations, not time, so the same problem gives the same answer
 * on a fast or a loaded machine; `VRPTW_TEST_ITERATIONS` asks for longer runs.
 */
const SOLOMON = fileURLToPath(new URL('../../../../../../shared/data/solomon/', import.meta.url));
const ITERATIONS = Number(process.env.VRPTW_TEST_ITERATIONS ?? 2000);
const bks = JSON.parse(readFileSync(`${SOLOMON}bks.json`, 'utf8')).instances as Record<
  string,
  { file: string; bks_hierarchical: { vehicles: number; distance: number }; bks_distance_only: { distance: number } }
>;
const instances = readdirSync(SOLOMON)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const solomon = (file: string) => parseSolomon(readFileSync(`${SOLOMON}${file}`, 'utf8'));

describe('the solver on Solomon instances', () => {
  it('finds the 12 instances the benchmark uses', () => {
    expect(instances.length).toBe(12);
  });

  it.each(instances)('%s: a feasible plan serving every customer, better than the construction', (file) => {
    const problem = solomon(file);
    const known = Object.values(bks).find((b) => b.file === file)!;
    for (const objective of ['vehicles', 'distance'] as const) {
      const s = solveVrptw(problem, { budgetMs: 60_000, maxIterations: ITERATIONS, objective, seed: 7 });
      expect(feasibilityProblems(problem, s), `${file} ${objective}`).toEqual([]);
      expect(s.unserved).toEqual([]);
      expect(s.vehiclesUsed).toBeLessThanOrEqual(problem.vehicles.length);
      if (objective === 'distance') expect(s.distance).toBeLessThanOrEqual(s.stats.construction.distance + 1e-9);
      // A short run is not the benchmark, but it is not far off either.
      if (objective === 'distance') expect(s.distance / known.bks_distance_only.distance).toBeLessThan(1.1);
      else expect(s.vehiclesUsed).toBeLessThanOrEqual(s.stats.construction.vehicles);
    }
  });

  it('the construction alone is feasible too (it is the benchmark anchor)', () => {
    const problem = solomon('R101.txt');
    const s = solveVrptw(problem, { budgetMs: 0, constructionOnly: true });
    expect(feasibilityProblems(problem, s)).toEqual([]);
    expect(s.stats.iterations).toBe(0);
  });

  it('the same seed and iteration count give the same plan; another seed may differ but is as valid', () => {
    const problem = solomon('RC101.txt');
    const a = solveVrptw(problem, { budgetMs: 60_000, maxIterations: 500, seed: 3 });
    const b = solveVrptw(problem, { budgetMs: 60_000, maxIterations: 500, seed: 3 });
    expect(b.routes).toEqual(a.routes);
    const c = solveVrptw(problem, { budgetMs: 60_000, maxIterations: 500, seed: 4 });
    expect(feasibilityProblems(problem, c)).toEqual([]);
  });
});

/** A small problem on a line: the depot at 0, customers at the given positions; time = distance. */
function onALine(
  positions: number[],
  customer: (i: number) => Partial<Customer> = () => ({}),
  vehicles: Partial<Vehicle>[] = [{}],
): VrptwProblem {
  return {
    distances: { kind: 'euclidean', x: [0, ...positions], y: [0, ...positions.map(() => 0)] },
    customers: positions.map((_, i) => ({
      id: `c${i}`,
      location: i + 1,
      demand: 1,
      ready: 0,
      due: 1000,
      service: 1,
      ...customer(i),
    })),
    vehicles: vehicles.map((v, i) => ({
      id: `v${i}`,
      capacity: 10,
      startLocation: 0,
      endLocation: 0,
      startTime: 0,
      latestEnd: 1000,
      ...v,
    })),
  };
}

describe('what no vehicle can do is refused with a reason, never planned late', () => {
  it('a window already closed, a demand over every capacity, a stop too far to be back in time', () => {
    const problem = onALine(
      [10, 20, 30, 400],
      (i) =>
        i === 0
          ? { due: 5 } // 10 away, closes at 5
          : i === 1
            ? { demand: 11 } // capacity 10
            : i === 3
              ? { due: 900 } // reachable by 400, but 800 there and back plus the shift ends at 600
              : {},
      [{ latestEnd: 600 }],
    );
    const s = solveVrptw(problem, { budgetMs: 1000, maxIterations: 200 });
    expect(feasibilityProblems(problem, s)).toEqual([]);
    expect(s.unserved.map((u) => [u.customer, u.code])).toEqual([
      [0, 'window'],
      [1, 'capacity'],
      [3, 'duration'],
    ]);
    expect(s.unserved[1]!.reason).toBe('demand 11 is more than any vehicle carries (10)');
    expect(s.routes.flatMap((r) => r.stops.map((x) => x.customer))).toEqual([2]);
  });

  it('customers the fleet has no room for are left out, each with the reason', () => {
    // Three customers whose windows all close at 12, 10 apart from the depot, one vehicle: it serves one only.
    const problem = onALine([10, 10, 10], () => ({ due: 12, service: 5 }), [{}]);
    const s = solveVrptw(problem, { budgetMs: 1000, maxIterations: 200 });
    expect(feasibilityProblems(problem, s)).toEqual([]);
    expect(s.routes.flatMap((r) => r.stops)).toHaveLength(1);
    expect(s.unserved.map((u) => u.code)).toEqual(['fleet', 'fleet']);
  });

  it('a route duration cap counts from the start of the shift', () => {
    const problem = onALine([50], () => ({ ready: 100, due: 200 }), [{ maxDuration: 150 }]);
    const s = solveVrptw(problem, { budgetMs: 1000, maxIterations: 50 });
    expect(s.unserved.map((u) => u.code)).toEqual(['duration']); // 100 + 1 + 50 = 151 > 150
    expect(feasibilityProblems(problem, s)).toEqual([]);
  });

  it('a malformed problem is refused with what is wrong', () => {
    const bad = onALine([1, 2]);
    expect(() => solveVrptw({ ...bad, customers: [{ ...bad.customers[0]!, location: 9 }] }, { budgetMs: 10 })).toThrow(
      VrptwInputError,
    );
    expect(() =>
      solveVrptw({ ...bad, customers: [{ ...bad.customers[0]!, demand: Number.NaN }] }, { budgetMs: 10 }),
    ).toThrow('customer 0 demand is not a finite number');
    expect(() =>
      solveVrptw(
        { ...bad, vehicles: [{ ...bad.vehicles[0]!, frozen: { customers: [0, 0], reloadAtEnd: false } }] },
        {
          budgetMs: 10,
        },
      ),
    ).toThrow('customer 0 is frozen twice');
    expect(() =>
      solveVrptw({ ...bad, distances: { kind: 'matrix', size: 3, values: [0, 1, 2] } }, { budgetMs: 10 }),
    ).toThrow('a 3×3 matrix needs 9 values');
  });
});
