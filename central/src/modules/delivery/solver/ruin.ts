import type { Plan } from './plan.js';
import type { Random } from './random.js';

/**
 * Ruin by string removals (SISR, Christiaens & Vanden Berghe 2020): around a random seed customer, take a short run
 * of consecutive stops out of each of a few nearby routes — spatially close, so the recreate can reshuffle one
 * neighbourhood across routes. A "split string" keeps a few stops in the middle of the run, which lets the recreate
 * thread the removed ones between them.
 *
 * `avgRemoved` (c̄) is the mean number of customers removed, `maxString` (L_max) the longest run.
 */
export class Ruiner {
  readonly #ruined: Uint8Array;
  readonly #ruinedList: Int32Array;

  constructor(
    R: number,
    readonly rng: Random,
    public avgRemoved = 10,
    readonly maxString = 10,
    /** Chance that a split string keeps one more stop (geometric). */
    readonly keepMore = 0.5,
  ) {
    this.#ruined = new Uint8Array(R);
    this.#ruinedList = new Int32Array(R);
  }

  /** Removes customers from `plan`, writing them to `out`; returns how many. */
  ruin(plan: Plan, out: Int32Array): number {
    const { free, neighbours, K, R } = plan.inst;
    const { len, routeOf, posOf } = plan;
    const rng = this.rng;
    let customers = 0;
    let routes = 0;
    for (let r = 0; r < R; r++) {
      if (len[r]! > 0) {
        customers += len[r]!;
        routes++;
      }
    }
    if (!routes) return 0;
    const lsMax = Math.min(this.maxString, customers / routes);
    const ksMax = (4 * this.avgRemoved) / (1 + lsMax) - 1;
    const ks = Math.floor(rng.next() * ksMax) + 1;
    const seed = free[rng.below(free.length)]!;
    let removed = 0;
    let nRuined = 0;
    for (let k = 0; k < K && nRuined < ks; k++) {
      const c = neighbours[seed * K + k]!;
      const r = routeOf[c]!;
      if (r < 0 || this.#ruined[r]) continue;
      const m = len[r]!;
      const ltMax = Math.min(m, lsMax);
      const lt = Math.floor(rng.next() * ltMax) + 1;
      const pc = posOf[c]!;
      if (lt === m || rng.next() < 0.5) {
        // A run of lt stops containing c, its offset drawn uniformly.
        const lo = Math.max(1, pc - lt + 1);
        const hi = Math.min(pc, m - lt + 1);
        const a = lo + rng.below(hi - lo + 1);
        removed += plan.removeRange(r, a, a + lt - 1, out, removed);
      } else {
        // A run of lt + kept stops containing c; the kept ones (a run inside it) stay.
        let kept = 1;
        while (kept < m - lt && rng.next() < this.keepMore) kept++;
        const size = lt + kept;
        const lo = Math.max(1, pc - size + 1);
        const hi = Math.min(pc, m - size + 1);
        const a = lo + rng.below(hi - lo + 1);
        const keepAt = a + rng.below(lt + 1);
        // Remove the tail first so the head's positions stay put.
        if (keepAt + kept <= a + size - 1) removed += plan.removeRange(r, keepAt + kept, a + size - 1, out, removed);
        if (keepAt > a) removed += plan.removeRange(r, a, keepAt - 1, out, removed);
      }
      this.#ruined[r] = 1;
      this.#ruinedList[nRuined++] = r;
    }
    for (let k = 0; k < nRuined; k++) this.#ruined[this.#ruinedList[k]!] = 0;
    return removed;
  }
}
