import { I1_PARAMS, constructI1 } from './construct.js';
import { compile, type Instance } from './instance.js';
import { Plan } from './plan.js';
import { Random } from './random.js';
import { improve, type SearchConfig } from './search.js';
import type { PlannedRoute, PlannedStop, SolveOptions, Unserved, VrptwProblem, VrptwSolution } from './types.js';

export { VrptwInputError } from './instance.js';

/** Tuning knobs of the search, for the benchmark and experiments; the defaults are what the hub runs. */
export type SearchTuning = Pick<
  SearchConfig,
  'fleetShare' | 't0' | 't1' | 'blinkRate' | 'avgRemoved' | 'fleetAvgRemoved'
>;

/**
 * Solves a VRPTW: Solomon's I1 construction (the best of a few parameter sets), then ruin-and-recreate under simulated
 * annealing for `budgetMs` (search.ts). Never returns a late stop or an overloaded vehicle: a customer it cannot fit is
 * in `unserved` with the reason. Throws `VrptwInputError` on a malformed problem.
 */
export function solveVrptw(problem: VrptwProblem, options: SolveOptions, tuning: SearchTuning = {}): VrptwSolution {
  const started = performance.now();
  const objective = options.objective ?? 'distance';
  const vehicleCost = options.vehicleCost ?? 0;
  const inst = compile(problem);
  const best = new Plan(inst);
  const trial = new Plan(inst);
  let bestKey: [number, number, number] | null = null;
  for (const params of I1_PARAMS) {
    constructI1(trial, params, inst.R);
    const used = trial.vehiclesUsed();
    const key: [number, number, number] = [
      trial.nUnassigned,
      objective === 'vehicles' ? used : 0,
      trial.totalDistance() + vehicleCost * used,
    ];
    if (
      !bestKey ||
      key[0] < bestKey[0] ||
      (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))
    ) {
      bestKey = key;
      best.copyFrom(trial);
    }
    if (options.signal?.aborted) break;
  }
  if (!bestKey) best.reset();
  const construction = { distance: total(inst, best), vehicles: best.vehiclesUsed() };
  let iterations = 0;
  if (!options.constructionOnly) {
    const result = improve(best, {
      ...tuning,
      objective,
      vehicleCost,
      rng: new Random(options.seed ?? 1),
      deadline: started + options.budgetMs,
      maxIterations: options.maxIterations ?? Number.POSITIVE_INFINITY,
      signal: options.signal,
    });
    iterations = result.iterations;
  }
  return report(inst, best, objective, {
    iterations,
    elapsedMs: performance.now() - started,
    construction,
  });
}

function total(inst: Instance, plan: Plan): number {
  let d = 0;
  for (let r = 0; r < inst.R; r++) if (plan.len[r]! > 0 || inst.committed[r]) d += plan.dist[r]! + inst.fixedDist[r]!;
  return d;
}

function report(inst: Instance, plan: Plan, objective: VrptwSolution['objective'], stats: VrptwSolution['stats']) {
  const { N, T, ready, service, demand } = inst;
  const routes: PlannedRoute[] = [];
  for (let r = 0; r < inst.R; r++) {
    const m = plan.len[r]!;
    if (m === 0 && !inst.committed[r]) continue;
    const stops: PlannedStop[] = inst.frozenOf[r]!.map((v) => ({ ...v, frozen: true }));
    let load = stops.reduce((s, v) => s + demand[v.customer]!, 0);
    const b = r * plan.W;
    let t = inst.sTime[r]!;
    let prev = inst.sNode[r]!;
    // A vehicle with nothing frozen leaves as late as it can without delaying its first stop (no wait at the door).
    const free = !inst.committed[r] && m > 0;
    if (free) {
      const first = plan.seq[b + 1]!;
      t = Math.max(t, ready[first]! - T[prev * N + first]!);
    }
    const departure = free ? t : inst.startTime[r]!;
    for (let p = 1; p <= m; p++) {
      const u = plan.seq[b + p]!;
      const arrival = t + T[prev * N + u]!;
      const start = Math.max(arrival, ready[u]!);
      t = start + service[u]!;
      stops.push({ customer: u, arrival, start, departure: t, frozen: false });
      load += demand[u]!;
      prev = u;
    }
    const end = t + T[prev * N + inst.eNode[r]!]!;
    const reload = inst.reloadAt[r]!;
    routes.push({
      vehicle: r,
      stops,
      departure,
      reloadAt: Number.isNaN(reload) || m === 0 ? null : reload,
      end,
      distance: plan.dist[r]! + inst.fixedDist[r]!,
      load,
    });
  }
  const unserved: Unserved[] = [...inst.setAside];
  for (let i = 0; i < plan.nUnassigned; i++)
    unserved.push({
      customer: plan.unassigned[i]!,
      code: 'fleet',
      reason: 'no vehicle has room for it in its window: each one that could get there is full or busy then',
    });
  unserved.sort((a, b) => a.customer - b.customer);
  return {
    routes,
    vehiclesUsed: routes.length,
    distance: routes.reduce((s, r) => s + r.distance, 0),
    unserved,
    objective,
    stats,
  };
}
