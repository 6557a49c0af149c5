import type { Plan } from './plan.js';

/**
 * Construction: Solomon's I1 insertion heuristic (Solomon 1987), one route at a time. A route starts from a seed (the
 * unrouted customer farthest from the depot, or the one whose window closes first); then, while anything fits, the
 * customer whose cheapest insertion saves most against serving it alone — c2 = λ·d(0,u) − c1, where
 * c1 = α·(d(i,u) + d(u,j) − μ·d(i,j)) + (1 − α)·(push-forward of j's start) — goes in at that place.
 * Vehicles with frozen stops are filled first (they drive anyway).
 */
export interface I1Params {
  readonly alpha: number;
  readonly lambda: number;
  readonly mu: number;
  readonly seed: 'farthest' | 'earliest-due';
}

/** The parameter sets tried; the best result of them is the construction. */
export const I1_PARAMS: readonly I1Params[] = [
  { alpha: 1, lambda: 1, mu: 1, seed: 'farthest' },
  { alpha: 1, lambda: 2, mu: 1, seed: 'farthest' },
  { alpha: 0.5, lambda: 1, mu: 1, seed: 'farthest' },
  { alpha: 0.5, lambda: 2, mu: 1, seed: 'farthest' },
  { alpha: 1, lambda: 1, mu: 1, seed: 'earliest-due' },
  { alpha: 1, lambda: 2, mu: 1, seed: 'earliest-due' },
  { alpha: 0.5, lambda: 1, mu: 1, seed: 'earliest-due' },
  { alpha: 0.5, lambda: 2, mu: 1, seed: 'earliest-due' },
];

export function constructI1(plan: Plan, params: I1Params, maxRoutes: number): void {
  plan.reset();
  const inst = plan.inst;
  const { N, T, D, ready, due, service, demand, cap, committed, R, sNode, allowed, maxStops } = inst;
  const { seq, dep, late, len, load, W } = plan;
  const routed = new Uint8Array(inst.n);
  const pending: number[] = Array.from(inst.free);
  const order = Array.from({ length: R }, (_, r) => r).sort((a, b) => committed[b]! - committed[a]! || a - b);
  let used = plan.vehiclesUsed();
  for (const r of order) {
    if (!pending.length) break;
    if (maxStops[r]! < 1) continue;
    if (!committed[r]) {
      if (used >= maxRoutes) continue;
      // Seed an empty vehicle with a customer it can serve alone.
      let seed = -1;
      let seedKey = Number.NEGATIVE_INFINITY;
      for (const u of pending) {
        if (demand[u]! > cap[r]! || (allowed && !allowed[u * R + r])) continue;
        const arrival = dep[r * W]! + T[sNode[r]! * N + u]!;
        if (arrival > due[u]!) continue;
        if (Math.max(arrival, ready[u]!) + service[u]! + T[u * N + inst.eNode[r]!]! > inst.lEnd[r]!) continue;
        const key = params.seed === 'farthest' ? D[sNode[r]! * N + u]! : -due[u]!;
        if (key > seedKey) {
          seedKey = key;
          seed = u;
        }
      }
      if (seed < 0) continue;
      plan.insert(r, 0, seed);
      routed[seed] = 1;
      used++;
    }
    const b = r * W;
    for (;;) {
      let bestU = -1;
      let bestP = -1;
      let bestC2 = Number.NEGATIVE_INFINITY;
      const m = len[r]!;
      if (m >= maxStops[r]!) break;
      for (const u of pending) {
        if (routed[u] || load[r]! + demand[u]! > cap[r]! || (allowed && !allowed[u * R + r])) continue;
        let c1 = Number.POSITIVE_INFINITY;
        let at = -1;
        for (let p = 0; p <= m; p++) {
          const leave = dep[b + p]!;
          if (leave > due[u]!) break;
          const i = seq[b + p]!;
          const j = seq[b + p + 1]!;
          const arrival = leave + T[i * N + u]!;
          if (arrival > due[u]!) continue;
          const arriveJ = Math.max(arrival, ready[u]!) + service[u]! + T[u * N + j]!;
          if (arriveJ > late[b + p + 1]!) continue;
          const isEnd = p === m;
          const oldStart = isEnd ? dep[b + p + 1]! : dep[b + p + 1]! - service[j]!;
          const newStart = isEnd ? arriveJ : Math.max(arriveJ, ready[j]!);
          const c11 = D[i * N + u]! + D[u * N + j]! - params.mu * D[i * N + j]!;
          const c = params.alpha * c11 + (1 - params.alpha) * (newStart - oldStart);
          if (c < c1) {
            c1 = c;
            at = p;
          }
        }
        if (at < 0) continue;
        const c2 = params.lambda * D[sNode[r]! * N + u]! - c1;
        if (c2 > bestC2) {
          bestC2 = c2;
          bestU = u;
          bestP = at;
        }
      }
      if (bestU < 0) break;
      plan.insert(r, bestP, bestU);
      routed[bestU] = 1;
    }
    for (let k = pending.length - 1; k >= 0; k--) if (routed[pending[k]!]) pending.splice(k, 1);
  }
  plan.nUnassigned = 0;
  for (const u of pending) plan.unassigned[plan.nUnassigned++] = u;
  plan.clearTouched();
}
