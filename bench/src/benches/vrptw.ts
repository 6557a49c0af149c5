import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSolomon } from '../../../central/src/modules/delivery/solver/solomon.js';
import { solveVrptw } from '../../../central/src/modules/delivery/solver/solve.js';
import type { Objective, VrptwProblem, VrptwSolution } from '../../../central/src/modules/delivery/solver/types.js';
import { round, type Benchmark, type Figure } from '../figure.js';

const DIR = process.env.SOLOMON_DIR ?? fileURLToPath(new URL('../../../../shared/data/solomon/', import.meta.url));
const BUDGET_MS = Number(process.env.VRPTW_BUDGET_MS ?? 2000);
const SEED = Number(process.env.VRPTW_SEED ?? 1);
/** Search rounds per solve instead of the clock (0: the clock): the same figures on any machine, however loaded. */
const ITERATIONS = Number(process.env.VRPTW_ITERATIONS ?? 0) || undefined;

/** Published, not measured here: VROOM's Solomon figures (github.com/VROOM-Project/vroom/wiki, 4 cores / 8 threads). */
const VROOM_PUBLISHED = { meanGapPct: 1.63, worstGapPct: 7.54 };

interface Bks {
  readonly vehicles: number;
  readonly distance: number;
}

/**
 * The independent check: replays every route from the problem's own numbers — each customer served exactly once (or
 * listed as unserved), load within capacity, arrival by the window's close (waiting allowed), service time spent,
 * back at the depot by its closing time — and sums the distance itself. Shares no code with the solver.
 */
export function checkSolomon(p: VrptwProblem, s: VrptwSolution): { problems: string[]; distance: number } {
  const problems: string[] = [];
  if (p.distances.kind !== 'euclidean') throw new Error('Solomon instances are Euclidean');
  const { x, y } = p.distances;
  const leg = (a: number, b: number) => Math.hypot(x[a]! - x[b]!, y[a]! - y[b]!);
  const seen = new Array<number>(p.customers.length).fill(0);
  const vehicles = new Set<number>();
  let distance = 0;
  for (const route of s.routes) {
    const v = p.vehicles[route.vehicle];
    if (!v || vehicles.has(route.vehicle)) {
      problems.push(`vehicle ${route.vehicle} is unknown or drives twice`);
      continue;
    }
    vehicles.add(route.vehicle);
    let at = v.startLocation;
    let t = Math.max(route.departure, v.startTime);
    let load = 0;
    for (const stop of route.stops) {
      const c = p.customers[stop.customer];
      if (!c) {
        problems.push(`unknown customer ${stop.customer}`);
        continue;
      }
      seen[stop.customer]!++;
      distance += leg(at, c.location);
      const arrival = t + leg(at, c.location);
      if (arrival > c.due + 1e-6)
        problems.push(`customer ${c.id} reached at ${arrival}, after its window closes (${c.due})`);
      t = Math.max(arrival, c.ready) + c.service;
      load += c.demand;
      at = c.location;
    }
    distance += leg(at, v.endLocation);
    const back = t + leg(at, v.endLocation);
    if (back > v.latestEnd + 1e-6)
      problems.push(`vehicle ${v.id} back at ${back}, after the depot closes (${v.latestEnd})`);
    if (load > v.capacity + 1e-9) problems.push(`vehicle ${v.id} carries ${load}, over its capacity ${v.capacity}`);
  }
  for (const u of s.unserved) seen[u.customer]!++;
  seen.forEach((k, i) => {
    if (k !== 1) problems.push(`customer ${p.customers[i]!.id} is ${k === 0 ? 'missing' : `listed ${k} times`}`);
  });
  if (s.unserved.length) problems.push(`${s.unserved.length} customers left unserved`);
  return { problems, distance };
}

/** Two decimals, without the "-0.00" of a best-known value rounded up to two decimals. */
const pct = (x: number) => (Math.abs(x) < 0.005 ? 0 : x).toFixed(2);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
/**
 * Below this a gap is "below best-known": the stored value was beaten, which means the stored value is weak (or the
 * checker is wrong). Best-known distances are stored to two decimals, so a tie reads as a few thousandths of a % off.
 */
const BELOW_PCT = -0.005;

/**
 * Solomon's VRPTW instances (every *.txt in the folder, best-known values from bks.json beside them), one thread,
 * `VRPTW_BUDGET_MS` (2 s) of wall clock per instance and objective — or, with `VRPTW_ITERATIONS`, that many
 * ruin-and-recreate rounds and no clock, so a loaded CI machine reproduces the figures exactly (same seed, same
 * solutions). Headline: Solomon's hierarchical objective (fewest vehicles, then distance) against the hierarchical
 * best-known distances; beside it the distance-only objective against the distance-only best-known values. Gaps use
 * double-precision distances recomputed by the checker, not the solver's.
 *
 * Nothing is clamped or hidden: an instance solved with more vehicles than its best-known has no meaningful distance
 * gap under that objective (a bigger fleet drives less), so it is left out of the `…_at_bks_vehicles` gaps — their
 * names say so — and listed in `vehicles_over_best_known`; fewer vehicles than best-known is listed in
 * `vehicles_under_best_known`. A gap below best-known is listed in `below_best_known` and left out of the means
 * (`mean_gap_pct_at_bks_vehicles_incl_below` folds it in, for comparison). Anchor measured in the same run: the
 * construction alone (Solomon's I1) on the same instances; `construction_gap_over_search_gap` is the ratio of their
 * mean gaps, `improvement_over_construction` the ratio of their total distances.
 */
export const vrptwBench: Benchmark = {
  name: 'vrptw',
  description: `VRPTW solver on Solomon instances, ${ITERATIONS ? `${ITERATIONS} search rounds` : `${BUDGET_MS} ms`} each, vs best-known and vs its own I1 construction (VROOM published: mean ${VROOM_PUBLISHED.meanGapPct} %, worst ${VROOM_PUBLISHED.worstGapPct} %)`,
  async run() {
    const bks = JSON.parse(readFileSync(join(DIR, 'bks.json'), 'utf8')) as {
      instances: Record<string, { file: string; bks_hierarchical: Bks; bks_distance_only: Bks }>;
    };
    const byFile = new Map(Object.values(bks.instances).map((i) => [i.file, i]));
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.txt'))
      .sort();
    const rows: {
      name: string;
      /** Vehicles used minus the best-known's (negative: fewer than best-known). */
      extraVehicles: number;
      hier: number;
      dist: number;
      construction: number;
      constructionDistance: number;
      hierDistance: number;
      infeasible: number;
    }[] = [];
    for (const file of files) {
      const known = byFile.get(file);
      if (!known) {
        console.error(`  ${file}: no best-known value in bks.json, skipped`);
        continue;
      }
      const problem = parseSolomon(readFileSync(join(DIR, file), 'utf8'));
      const run = (objective: Objective, constructionOnly = false) => {
        const s = solveVrptw(problem, {
          budgetMs: ITERATIONS ? Number.POSITIVE_INFINITY : BUDGET_MS,
          maxIterations: ITERATIONS,
          objective,
          seed: SEED,
          constructionOnly,
        });
        const check = checkSolomon(problem, s);
        return { s, check, feasible: check.problems.length === 0 };
      };
      const construction = run('vehicles', true);
      const hier = run('vehicles');
      const dist = run('distance');
      const gap = (d: number, b: Bks) => (d / b.distance - 1) * 100;
      const hb = known.bks_hierarchical;
      const db = known.bks_distance_only;
      const name = file.replace(/\.txt$/, '');
      const row = {
        name,
        extraVehicles: hier.s.vehiclesUsed - hb.vehicles,
        hier: gap(hier.check.distance, hb),
        dist: gap(dist.check.distance, db),
        construction: gap(construction.check.distance, hb),
        constructionDistance: construction.check.distance,
        hierDistance: hier.check.distance,
        infeasible: [construction, hier, dist].filter((r) => !r.feasible).length,
      };
      rows.push(row);
      const flag = (g: number) => (g < BELOW_PCT ? ' BELOW BEST-KNOWN' : '');
      const fleet =
        row.extraVehicles === 0
          ? `gap ${pct(row.hier)} %${flag(row.hier)}`
          : `${row.extraVehicles > 0 ? `${row.extraVehicles} vehicle(s) OVER` : `${-row.extraVehicles} vehicle(s) UNDER`} best-known, distance ${pct(row.hier)} % off (not in the gaps)`;
      console.error(
        `  ${name.padEnd(6)} vehicles+distance: ${hier.s.vehiclesUsed} veh ${hier.check.distance.toFixed(2)} ` +
          `(best-known ${hb.vehicles} veh ${hb.distance}, ${fleet}) | distance only: ` +
          `${dist.s.vehiclesUsed} veh ${dist.check.distance.toFixed(2)} (best-known ${db.distance}, gap ${pct(row.dist)} %${flag(row.dist)}) | ` +
          `I1: ${construction.s.vehiclesUsed} veh ${construction.check.distance.toFixed(2)} | ` +
          `search rounds ${hier.s.stats.iterations}/${dist.s.stats.iterations} | feasible ${row.infeasible === 0 ? 'yes' : 'NO'}`,
      );
      for (const r of [construction, hier, dist]) for (const p of r.check.problems) console.error(`    ✗ ${p}`);
    }
    const n = rows.length;
    const infeasible = rows.reduce((s, r) => s + r.infeasible, 0);
    if (infeasible > 0) process.exitCode = 1;
    const over = rows.filter((r) => r.extraVehicles > 0);
    const under = rows.filter((r) => r.extraVehicles < 0);
    const atFleet = rows.filter((r) => r.extraVehicles === 0);
    const below = atFleet.filter((r) => r.hier < BELOW_PCT);
    const counted = atFleet.filter((r) => r.hier >= BELOW_PCT);
    const distBelow = rows.filter((r) => r.dist < BELOW_PCT);
    const distCounted = rows.filter((r) => r.dist >= BELOW_PCT);
    const searchMean = mean(counted.map((r) => r.hier));
    // The anchor on the same instances as the headline.
    const constructionMean = mean(counted.map((r) => r.construction));
    const f = (metric: string, value: number, unit: string, size = n, instances?: string[]): Figure => ({
      bench: 'vrptw',
      metric,
      value: round(value, 2),
      unit,
      n: size,
      ...(instances ? { instances } : {}),
    });
    const headline = '% over best-known, vehicles-then-distance, instances at best-known vehicles';
    const gapRatio = constructionMean / Math.max(searchMean, 0.01);
    const signed = (k: number) => (k > 0 ? `+${k}` : String(k));
    return [
      {
        ...f('mean_gap_pct_at_bks_vehicles', searchMean, `${headline}, none below best-known`, counted.length),
        anchor: 'i1-construction-mean-gap-pct-same-instances',
        anchor_value: round(constructionMean, 2),
        ratio: round(gapRatio, 1),
      },
      f('worst_gap_pct_at_bks_vehicles', Math.max(...counted.map((r) => r.hier)), headline, counted.length),
      f(
        'mean_gap_pct_at_bks_vehicles_incl_below',
        mean(atFleet.map((r) => r.hier)),
        `${headline}, below best-known folded in`,
        atFleet.length,
      ),
      f(
        'construction_gap_over_search_gap',
        gapRatio,
        'ratio of mean gaps, I1 alone / I1 + search, same instances',
        counted.length,
      ),
      f('instances_at_best_known_vehicles', atFleet.length, 'instances'),
      f(
        'vehicles_over_best_known',
        over.reduce((s, r) => s + r.extraVehicles, 0),
        'vehicles, summed over the instances listed (left out of the gaps)',
        n,
        over.map((r) => `${r.name} ${signed(r.extraVehicles)}`),
      ),
      f(
        'vehicles_under_best_known',
        -under.reduce((s, r) => s + r.extraVehicles, 0),
        'vehicles, summed over the instances listed (left out of the gaps)',
        n,
        under.map((r) => `${r.name} ${signed(r.extraVehicles)}`),
      ),
      f(
        'below_best_known',
        below.length,
        'instances at best-known vehicles whose distance beats the stored best-known (left out of the means)',
        atFleet.length,
        below.map((r) => `${r.name} ${pct(r.hier)} %`),
      ),
      f(
        'distance_only_mean_gap_pct',
        mean(distCounted.map((r) => r.dist)),
        '% over best-known, distance-only, none below best-known',
        distCounted.length,
      ),
      f('distance_only_worst_gap_pct', Math.max(...rows.map((r) => r.dist)), '% over best-known, distance-only'),
      f(
        'distance_only_below_best_known',
        distBelow.length,
        'instances whose distance-only result beats the stored best-known (left out of the mean)',
        n,
        distBelow.map((r) => `${r.name} ${pct(r.dist)} %`),
      ),
      f(
        'improvement_over_construction',
        rows.reduce((a, r) => a + r.constructionDistance, 0) / rows.reduce((a, r) => a + r.hierDistance, 0),
        'ratio of total distance, I1 alone / I1 + search, all instances',
      ),
      f('infeasible', infeasible, 'solutions'),
      f('instances', n, 'instances'),
    ];
  },
};
