import { Plan } from './plan.js';
import type { Random } from './random.js';
import { Recreator } from './recreate.js';
import { Ruiner } from './ruin.js';
import type { Objective } from './types.js';

/**
 * The time-bounded improvement: ruin and recreate (SISR) under simulated annealing, starting from the construction.
 *
 * With the `vehicles` objective a fleet-minimisation phase comes first (SISR's): take the smallest route out, then
 * ruin-and-recreate with that smaller fleet, accepting a candidate that leaves fewer customers out or leaves out
 * customers that were left out less often so far (each customer's "absence" count grows every round it is out);
 * once none is out, that fleet is the new best and another route goes. The rest of the time minimises distance with
 * the fleet fixed.
 *
 * Candidates are compared lexicographically — customers left out, then (vehicles objective) vehicles used, then
 * distance (+ vehicle cost) — so the annealing only ever trades distance.
 */
export interface SearchConfig {
  readonly objective: Objective;
  readonly vehicleCost: number;
  readonly rng: Random;
  /** performance.now() past which the search stops. */
  readonly deadline: number;
  readonly maxIterations: number;
  readonly signal?: AbortSignal;
  /** Share of the run given to fleet minimisation (vehicles objective). */
  readonly fleetShare?: number;
  /** Start and end temperatures as multiples of the construction's mean leg length. */
  readonly t0?: number;
  readonly t1?: number;
  readonly blinkRate?: number;
  /** Mean customers removed per ruin (SISR's c̄), in the distance phase and in fleet minimisation. */
  readonly avgRemoved?: number;
  readonly fleetAvgRemoved?: number;
}

export interface SearchResult {
  readonly iterations: number;
}

export function improve(best: Plan, cfg: SearchConfig): SearchResult {
  const inst = best.inst;
  if (!inst.free.length) return { iterations: 0 };
  const started = performance.now();
  const span = Math.max(1, cfg.deadline - started);
  const byIterations = Number.isFinite(cfg.maxIterations);
  const progressAt = (it: number, now: number) => (byIterations ? it / cfg.maxIterations : (now - started) / span);
  const stopped = (it: number, now: number) =>
    it >= cfg.maxIterations || now >= cfg.deadline || (cfg.signal?.aborted ?? false);
  const recreator = new Recreator(inst.n, inst.R, cfg.rng);
  const ruiner = new Ruiner(inst.R, cfg.rng, cfg.fleetAvgRemoved ?? 10);
  const buf = new Int32Array(inst.n * 2);
  const cur = new Plan(inst);
  const cand = new Plan(inst);
  const vc = cfg.vehicleCost;
  const blinkRate = cfg.blinkRate ?? 0.01;
  let it = 0;

  /** Ruins `cand` and recreates it, retrying the customers it had left out too. */
  const ruinAndRecreate = (maxRoutes: number) => {
    cand.clearTouched();
    let k = ruiner.ruin(cand, buf);
    for (let i = 0; i < cand.nUnassigned; i++) buf[k++] = cand.unassigned[i]!;
    cand.nUnassigned = 0;
    recreator.order(cand, buf, k);
    recreator.insertAll(cand, buf, k, { maxRoutes, vehicleCost: vc, blinkRate });
  };

  if (cfg.objective === 'vehicles') {
    const fleetEnd = cfg.fleetShare ?? 0.3;
    let totalDemand = 0;
    let maxCap = 0;
    for (const u of inst.free) totalDemand += inst.demand[u]!;
    for (let r = 0; r < inst.R; r++) maxCap = Math.max(maxCap, inst.cap[r]!);
    const committed = inst.committed.reduce((a, b) => a + b, 0);
    const lowerBound = Math.max(committed, Math.ceil(totalDemand / Math.max(maxCap, 1e-9) - 1e-9));
    const absences = new Int32Array(inst.n);
    const sumAbsences = (p: Plan) => {
      let s = 0;
      for (let i = 0; i < p.nUnassigned; i++) s += absences[p.unassigned[i]!]!;
      return s;
    };
    /** Empties the emptiable route with the fewest customers into `unassigned`; false when none is left. */
    const dropRoute = (p: Plan) => {
      let pick = -1;
      for (let r = 0; r < inst.R; r++)
        if (p.len[r]! > 0 && !inst.committed[r] && (pick < 0 || p.len[r]! < p.len[pick]!)) pick = r;
      if (pick < 0) return false;
      const k = p.removeRange(pick, 1, p.len[pick]!, buf, 0);
      for (let i = 0; i < k; i++) p.unassigned[p.nUnassigned++] = buf[i]!;
      return true;
    };
    if (best.nUnassigned === 0 && best.vehiclesUsed() > lowerBound) {
      cur.copyFrom(best);
      if (dropRoute(cur)) {
        let fleet = cur.vehiclesUsed();
        cand.copyFrom(cur);
        for (;;) {
          const now = performance.now();
          if (stopped(it, now) || progressAt(it, now) >= fleetEnd) break;
          it++;
          ruinAndRecreate(fleet);
          const candAbs = sumAbsences(cand);
          if (cand.nUnassigned < cur.nUnassigned || candAbs < sumAbsences(cur)) {
            cur.copyTouchedFrom(cand, cand.touched, cand.nTouched);
          } else {
            cand.copyTouchedFrom(cur, cand.touched, cand.nTouched);
          }
          for (let i = 0; i < cand.nUnassigned; i++) absences[cand.unassigned[i]!]!++;
          if (cur.nUnassigned === 0) {
            best.copyFrom(cur);
            if (cur.vehiclesUsed() <= lowerBound || !dropRoute(cur)) break;
            fleet = cur.vehiclesUsed();
            cand.copyFrom(cur);
          }
        }
      }
    }
  }

  // Distance with the fleet found (vehicles objective) or any fleet up to the vehicles there are (distance).
  const maxRoutes = cfg.objective === 'vehicles' ? best.vehiclesUsed() : inst.R;
  const value = (p: Plan, used: number) => p.totalDistance() + vc * used;
  cur.copyFrom(best);
  cand.copyFrom(best);
  let curUsed = cur.vehiclesUsed();
  let curValue = value(cur, curUsed);
  let bestUsed = curUsed;
  let bestValue = curValue;
  const meanLeg = curValue / Math.max(1, inst.free.length + curUsed);
  const t0 = (cfg.t0 ?? 3) * meanLeg;
  const t1 = (cfg.t1 ?? 0.03) * meanLeg;
  const ratio = t1 / t0;
  ruiner.avgRemoved = cfg.avgRemoved ?? 10;
  for (;;) {
    const now = performance.now();
    if (stopped(it, now)) break;
    it++;
    const temperature = t0 * ratio ** Math.min(1, progressAt(it, now));
    ruinAndRecreate(maxRoutes);
    const used = cand.vehiclesUsed();
    const v = value(cand, used);
    const accept =
      cand.nUnassigned !== cur.nUnassigned
        ? cand.nUnassigned < cur.nUnassigned
        : cfg.objective === 'vehicles' && used !== curUsed
          ? used < curUsed
          : v < curValue - temperature * Math.log(cfg.rng.next());
    if (accept) {
      cur.copyTouchedFrom(cand, cand.touched, cand.nTouched);
      curUsed = used;
      curValue = v;
      const improves =
        cur.nUnassigned !== best.nUnassigned
          ? cur.nUnassigned < best.nUnassigned
          : cfg.objective === 'vehicles' && curUsed !== bestUsed
            ? curUsed < bestUsed
            : curValue < bestValue - 1e-9;
      if (improves) {
        best.copyFrom(cur);
        bestUsed = curUsed;
        bestValue = curValue;
      }
    } else {
      cand.copyTouchedFrom(cur, cand.touched, cand.nTouched);
    }
  }
  return { iterations: it };
}
