import type { Plan } from './plan.js';
import type { Random } from './random.js';

/**
 * Recreate: puts customers back one by one at their cheapest on-time position, skipping each position with a small
 * probability ("blinks", Christiaens & Vanden Berghe 2020, SISR), so repeated recreates of the same ruin differ. The
 * order is drawn each time: random, largest demand first, farthest from the start first, or closest first.
 * A customer with no feasible position opens a new vehicle if the fleet allows, else stays unassigned.
 */
export interface RecreateLimits {
  /** Vehicles that may drive at most (a route may not be opened past it). */
  maxRoutes: number;
  /** Added to the cost of opening a route. */
  vehicleCost: number;
  blinkRate: number;
}

const ORDER_WEIGHTS = [4, 4, 2, 1] as const;
const ORDER_TOTAL = 11;

export class Recreator {
  readonly #keys: Float64Array;
  readonly #kindSeen: Int32Array;
  #stamp = 0;

  constructor(
    n: number,
    R: number,
    readonly rng: Random,
  ) {
    this.#keys = new Float64Array(n);
    this.#kindSeen = new Int32Array(R);
  }

  /** Sorts `list[0..count)` in a drawn order (see the class comment). */
  order(plan: Plan, list: Int32Array, count: number): void {
    const { demand, D, N, sNode } = plan.inst;
    const depot = sNode[0] ?? 0;
    let pick = this.rng.below(ORDER_TOTAL);
    let how = 0;
    while (pick >= ORDER_WEIGHTS[how]!) pick -= ORDER_WEIGHTS[how++]!;
    const keys = this.#keys;
    for (let k = 0; k < count; k++) {
      const u = list[k]!;
      keys[u] =
        how === 0
          ? this.rng.next()
          : how === 1
            ? -demand[u]! - 1e-9 * this.rng.next()
            : how === 2
              ? -D[depot * N + u]!
              : D[depot * N + u]!;
    }
    // Insertion sort: the lists are short (a ruin removes ~10 customers).
    for (let i = 1; i < count; i++) {
      const u = list[i]!;
      const key = keys[u]!;
      let j = i - 1;
      while (j >= 0 && keys[list[j]!]! > key) {
        list[j + 1] = list[j]!;
        j--;
      }
      list[j + 1] = u;
    }
  }

  /** Inserts `list[0..count)` in order; the ones that fit nowhere go to `plan.unassigned`. */
  insertAll(plan: Plan, list: Int32Array, count: number, limits: RecreateLimits): void {
    const inst = plan.inst;
    const { N, T, D, ready, due, service, demand, cap, committed, kind, R, allowed, maxStops } = inst;
    const { seq, dep, late, len, load, W } = plan;
    const rng = this.rng;
    const blink = limits.blinkRate;
    let used = plan.vehiclesUsed();
    for (let k = 0; k < count; k++) {
      const u = list[k]!;
      const qu = demand[u]!;
      const du = due[u]!;
      const ru = ready[u]!;
      const su = service[u]!;
      let bestCost = Number.POSITIVE_INFINITY;
      let bestR = -1;
      let bestP = -1;
      const stamp = ++this.#stamp;
      for (let r = 0; r < R; r++) {
        const m = len[r]!;
        if (load[r]! + qu > cap[r]! || m >= maxStops[r]! || (allowed && !allowed[u * R + r])) continue;
        const b = r * W;
        let extra = 0;
        if (m === 0 && !committed[r]) {
          if (used >= limits.maxRoutes || this.#kindSeen[kind[r]!] === stamp) continue;
          this.#kindSeen[kind[r]!] = stamp;
          extra = limits.vehicleCost;
        }
        for (let p = 0; p <= m; p++) {
          const leave = dep[b + p]!;
          if (leave > du) break;
          if (blink > 0 && rng.next() < blink) continue;
          const i = seq[b + p]!;
          const arrival = leave + T[i * N + u]!;
          if (arrival > du) continue;
          const j = seq[b + p + 1]!;
          if (Math.max(arrival, ru) + su + T[u * N + j]! > late[b + p + 1]!) continue;
          const delta = D[i * N + u]! + D[u * N + j]! - D[i * N + j]! + extra;
          if (delta < bestCost) {
            bestCost = delta;
            bestR = r;
            bestP = p;
          }
        }
      }
      if (bestR < 0) {
        plan.unassigned[plan.nUnassigned++] = u;
        continue;
      }
      if (len[bestR] === 0 && !committed[bestR]) used++;
      plan.insert(bestR, bestP, u);
    }
  }
}
