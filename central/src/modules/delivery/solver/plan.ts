import type { Instance } from './instance.js';

/**
 * A solution under search: every vehicle slot's free part as a sequence of nodes in one flat typed array, with the
 * schedule data that makes an insertion's time-window check O(1) (Savelsbergh's forward/backward passes):
 *
 *   dep[p] — when the vehicle leaves position p at the earliest (p = 0: the slot's start time);
 *   late[p] — the latest service may start at position p and every later stop still be on time (the end: `lEnd`).
 *
 * Inserting u between positions p and p+1 is on time iff  dep[p] + t(i,u) ≤ due(u)  and
 * max(dep[p] + t(i,u), ready(u)) + service(u) + t(u,j) ≤ late[p+1]. Waiting is free, so these two are exact.
 *
 * Layout: route r occupies [r·W, r·W + len[r] + 2): its start node, its customers, its end node. A customer not in
 * any route is in `unassigned`. `touched` lists the routes changed since the last `clearTouched`, so a copy between
 * the current and the candidate solution moves only those.
 */
export class Plan {
  readonly W: number;
  readonly seq: Int32Array;
  readonly len: Int32Array;
  readonly load: Float64Array;
  readonly dist: Float64Array;
  readonly dep: Float64Array;
  readonly late: Float64Array;
  readonly routeOf: Int32Array;
  readonly posOf: Int32Array;
  readonly unassigned: Int32Array;
  nUnassigned = 0;
  /** Routes changed since the last clearTouched. */
  readonly touched: Int32Array;
  nTouched = 0;
  readonly #isTouched: Uint8Array;

  constructor(readonly inst: Instance) {
    const { R, n } = inst;
    this.W = inst.free.length + 2;
    this.seq = new Int32Array(R * this.W);
    this.len = new Int32Array(R);
    this.load = new Float64Array(R);
    this.dist = new Float64Array(R);
    this.dep = new Float64Array(R * this.W);
    this.late = new Float64Array(R * this.W);
    this.routeOf = new Int32Array(n).fill(-1);
    this.posOf = new Int32Array(n);
    this.unassigned = new Int32Array(n);
    this.touched = new Int32Array(R);
    this.#isTouched = new Uint8Array(R);
  }

  /** Every route empty, every free customer unassigned. */
  reset(): void {
    const { R, free } = this.inst;
    for (let r = 0; r < R; r++) {
      this.len[r] = 0;
      this.seq[r * this.W] = this.inst.sNode[r]!;
      this.seq[r * this.W + 1] = this.inst.eNode[r]!;
      this.refresh(r);
    }
    this.routeOf.fill(-1);
    this.nUnassigned = 0;
    for (let k = 0; k < free.length; k++) this.unassigned[this.nUnassigned++] = free[k]!;
    this.clearTouched();
  }

  totalDistance(): number {
    let s = 0;
    for (let r = 0; r < this.inst.R; r++) s += this.dist[r]!;
    return s;
  }

  /** Vehicles that drive: a route with stops, or one with frozen stops. */
  vehiclesUsed(): number {
    let k = 0;
    for (let r = 0; r < this.inst.R; r++) if (this.len[r]! > 0 || this.inst.committed[r]) k++;
    return k;
  }

  #touch(r: number): void {
    if (this.#isTouched[r]) return;
    this.#isTouched[r] = 1;
    this.touched[this.nTouched++] = r;
  }

  clearTouched(): void {
    for (let k = 0; k < this.nTouched; k++) this.#isTouched[this.touched[k]!] = 0;
    this.nTouched = 0;
  }

  /**
   * Recomputes route r's schedule, load and distance. Returns the first position whose service would start after its
   * window closes, or -1 (a removal can only make a route late when travel times break the triangle inequality).
   */
  refresh(r: number): number {
    const { N, T, D, ready, due, service, demand } = this.inst;
    const b = r * this.W;
    const m = this.len[r]!;
    const seq = this.seq;
    let t = this.inst.sTime[r]!;
    let d = 0;
    let q = 0;
    let lateAt = -1;
    this.dep[b] = t;
    let prev = seq[b]!;
    for (let p = 1; p <= m; p++) {
      const u = seq[b + p]!;
      const arrival = t + T[prev * N + u]!;
      if (arrival > due[u]! && lateAt < 0) lateAt = p;
      t = Math.max(arrival, ready[u]!) + service[u]!;
      this.dep[b + p] = t;
      d += D[prev * N + u]!;
      q += demand[u]!;
      this.routeOf[u] = r;
      this.posOf[u] = p;
      prev = u;
    }
    const end = seq[b + m + 1]!;
    d += D[prev * N + end]!;
    this.dep[b + m + 1] = t + T[prev * N + end]!;
    let l = this.inst.lEnd[r]!;
    this.late[b + m + 1] = l;
    let next = end;
    for (let p = m; p >= 1; p--) {
      const u = seq[b + p]!;
      const byNext = l - T[u * N + next]! - service[u]!;
      l = Math.min(byNext, due[u]!);
      this.late[b + p] = l;
      next = u;
    }
    this.late[b] = l - T[seq[b]! * N + next]!;
    this.dist[r] = d;
    this.load[r] = q;
    this.#touch(r);
    return lateAt;
  }

  /** Puts customer u into route r after position p (0 = right after the start). */
  insert(r: number, p: number, u: number): void {
    const b = r * this.W;
    const m = this.len[r]!;
    this.seq.copyWithin(b + p + 2, b + p + 1, b + m + 2);
    this.seq[b + p + 1] = u;
    this.len[r] = m + 1;
    this.refresh(r);
  }

  /** Takes positions a..z (inclusive, 1-based) out of route r, appending them to `out` from `at`; returns the count. */
  removeRange(r: number, a: number, z: number, out: Int32Array, at: number): number {
    const b = r * this.W;
    const m = this.len[r]!;
    if (z > m) z = m;
    if (a < 1 || a > z) return 0;
    let k = at;
    for (let p = a; p <= z; p++) {
      const u = this.seq[b + p]!;
      this.routeOf[u] = -1;
      out[k++] = u;
    }
    this.seq.copyWithin(b + a, b + z + 1, b + m + 2);
    this.len[r] = m - (z - a + 1);
    let lateAt = this.refresh(r);
    // A shortcut that arrives later (non-metric travel times): the late stop goes too.
    while (lateAt > 0) {
      const u = this.seq[b + lateAt]!;
      this.routeOf[u] = -1;
      out[k++] = u;
      this.seq.copyWithin(b + lateAt, b + lateAt + 1, b + this.len[r]! + 2);
      this.len[r] = this.len[r]! - 1;
      lateAt = this.refresh(r);
    }
    return k - at;
  }

  /** Makes this plan equal to `other` (same instance). */
  copyFrom(other: Plan): void {
    this.seq.set(other.seq);
    this.len.set(other.len);
    this.load.set(other.load);
    this.dist.set(other.dist);
    this.dep.set(other.dep);
    this.late.set(other.late);
    this.routeOf.set(other.routeOf);
    this.posOf.set(other.posOf);
    this.unassigned.set(other.unassigned.subarray(0, other.nUnassigned));
    this.nUnassigned = other.nUnassigned;
  }

  /** Copies the routes `other` touched (and every customer's place) from `other`. */
  copyTouchedFrom(other: Plan, routes: Int32Array, count: number): void {
    const W = this.W;
    for (let k = 0; k < count; k++) {
      const r = routes[k]!;
      const b = r * W;
      const e = b + other.len[r]! + 2;
      this.seq.set(other.seq.subarray(b, e), b);
      this.dep.set(other.dep.subarray(b, e), b);
      this.late.set(other.late.subarray(b, e), b);
      this.len[r] = other.len[r]!;
      this.load[r] = other.load[r]!;
      this.dist[r] = other.dist[r]!;
    }
    this.routeOf.set(other.routeOf);
    this.posOf.set(other.posOf);
    this.unassigned.set(other.unassigned.subarray(0, other.nUnassigned));
    this.nUnassigned = other.nUnassigned;
  }

  /** Customers of route r, in order. */
  customersOf(r: number): number[] {
    const b = r * this.W;
    return Array.from(this.seq.subarray(b + 1, b + 1 + this.len[r]!));
  }
}
