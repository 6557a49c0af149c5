import type { Unserved, VrptwProblem } from './types.js';

/**
 * A problem compiled for the search: typed arrays indexed by node, one matrix lookup per leg.
 *
 * Nodes 0..n-1 are the customers (all of them, frozen ones too, since a frozen stop can be where a route's free part
 * starts); nodes n.. are the vehicles' start and end locations. Each vehicle is a route slot whose free part starts
 * at `sNode` at `sTime` (after its frozen stops, and its reload if any) with `cap` left, and must be back at `eNode` by
 * `lEnd`. Customers that no vehicle could serve even alone are set aside with their reason before the search starts.
 */
export interface Instance {
  readonly n: number;
  readonly N: number;
  readonly R: number;
  readonly D: Float64Array;
  readonly T: Float64Array;
  readonly demand: Float64Array;
  readonly ready: Float64Array;
  readonly due: Float64Array;
  readonly service: Float64Array;
  readonly sNode: Int32Array;
  readonly sTime: Float64Array;
  readonly eNode: Int32Array;
  readonly lEnd: Float64Array;
  readonly cap: Float64Array;
  /** Stops the free part may still make. */
  readonly maxStops: Int32Array;
  /** Distance driven through the frozen stops (and to the reload), constant for the slot. */
  readonly fixedDist: Float64Array;
  /** 1 when the vehicle drives whatever the plan (it has frozen stops). */
  readonly committed: Uint8Array;
  /** Slots with the same kind are interchangeable while empty; only one of them is tried when opening a route. */
  readonly kind: Int32Array;
  /** The customers to plan (not frozen, not set aside). */
  readonly free: Int32Array;
  /** Per free customer, its nearest free customers (itself first), `K` each, indexed by customer node. */
  readonly neighbours: Int32Array;
  readonly K: number;
  readonly frozenOf: readonly (readonly FrozenVisit[])[];
  readonly reloadAt: Float64Array;
  /** The vehicle's own start time (before its frozen stops). */
  readonly startTime: Float64Array;
  readonly setAside: readonly Unserved[];
  /** allowed[u·R + r] = 1 when vehicle r may serve customer u; null when every vehicle may serve every customer. */
  readonly allowed: Uint8Array | null;
}

export interface FrozenVisit {
  readonly customer: number;
  readonly arrival: number;
  readonly start: number;
  readonly departure: number;
}

/** A problem the solver refuses to read (an index out of range, a negative demand, a stop frozen twice). */
export class VrptwInputError extends Error {
  override readonly name = 'VrptwInputError';
}

const finite = (v: number, what: string) => {
  if (!Number.isFinite(v)) throw new VrptwInputError(`${what} is not a finite number`);
  return v;
};

export function compile(p: VrptwProblem): Instance {
  const n = p.customers.length;
  const R = p.vehicles.length;
  const tpd = finite(p.timePerDistance ?? 1, 'timePerDistance');
  if (tpd < 0) throw new VrptwInputError('timePerDistance is negative');
  const locations = p.distances.kind === 'matrix' ? p.distances.size : p.distances.x.length;
  if (p.distances.kind === 'matrix' && p.distances.values.length !== locations * locations)
    throw new VrptwInputError(`a ${locations}×${locations} matrix needs ${locations * locations} values`);
  if (p.distances.kind === 'euclidean' && p.distances.y.length !== locations)
    throw new VrptwInputError('x and y have different lengths');
  const checkLocation = (l: number, what: string) => {
    if (!Number.isInteger(l) || l < 0 || l >= locations)
      throw new VrptwInputError(`${what} names location ${l}, outside 0..${locations - 1}`);
    return l;
  };

  // Terminal nodes: one per distinct start/end location.
  const terminalOf = new Map<number, number>();
  const loc: number[] = p.customers.map((c, i) => checkLocation(c.location, `customer ${i}`));
  const terminal = (l: number) => {
    let node = terminalOf.get(l);
    if (node === undefined) {
      node = loc.length;
      loc.push(l);
      terminalOf.set(l, node);
    }
    return node;
  };
  const vStart = p.vehicles.map((v, r) => terminal(checkLocation(v.startLocation, `vehicle ${r} start`)));
  const vEnd = p.vehicles.map((v, r) => terminal(checkLocation(v.endLocation, `vehicle ${r} end`)));
  const N = loc.length;

  const D = new Float64Array(N * N);
  const T = new Float64Array(N * N);
  const dist = p.distances;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let d: number;
      if (dist.kind === 'matrix') d = dist.values[loc[i]! * locations + loc[j]!]!;
      else {
        const dx = dist.x[loc[i]!]! - dist.x[loc[j]!]!;
        const dy = dist.y[loc[i]!]! - dist.y[loc[j]!]!;
        d = Math.sqrt(dx * dx + dy * dy);
      }
      if (!(d >= 0) || d === Number.POSITIVE_INFINITY)
        throw new VrptwInputError(`the distance from location ${loc[i]} to ${loc[j]} is not a finite number ≥ 0`);
      D[i * N + j] = d;
      T[i * N + j] = d * tpd;
    }
  }

  const demand = new Float64Array(N);
  const ready = new Float64Array(N);
  const due = new Float64Array(N);
  const service = new Float64Array(N);
  p.customers.forEach((c, i) => {
    demand[i] = finite(c.demand, `customer ${i} demand`);
    ready[i] = finite(c.ready, `customer ${i} ready`);
    due[i] = finite(c.due, `customer ${i} due`);
    service[i] = finite(c.service, `customer ${i} service`);
    if (demand[i]! < 0 || service[i]! < 0) throw new VrptwInputError(`customer ${i} has a negative demand or service`);
  });

  let allowed: Uint8Array | null = null;
  p.customers.forEach((c, i) => {
    if (!c.vehicles) return;
    if (!allowed) allowed = new Uint8Array(n * R).fill(1);
    allowed.fill(0, i * R, i * R + R);
    for (const r of c.vehicles) {
      if (!Number.isInteger(r) || r < 0 || r >= R) throw new VrptwInputError(`customer ${i} allows vehicle ${r}`);
      allowed[i * R + r] = 1;
    }
  });
  const may = allowed as Uint8Array | null;

  const sNode = new Int32Array(R);
  const sTime = new Float64Array(R);
  const eNode = new Int32Array(R);
  const lEnd = new Float64Array(R);
  const cap = new Float64Array(R);
  const maxStops = new Int32Array(R);
  const fixedDist = new Float64Array(R);
  const committed = new Uint8Array(R);
  const reloadAt = new Float64Array(R).fill(Number.NaN);
  const startTime = new Float64Array(R);
  const frozenOf: FrozenVisit[][] = [];
  const isFrozen = new Uint8Array(n);
  p.vehicles.forEach((v, r) => {
    const capacity = finite(v.capacity, `vehicle ${r} capacity`);
    const start = finite(v.startTime, `vehicle ${r} startTime`);
    let latest = finite(v.latestEnd, `vehicle ${r} latestEnd`);
    if (v.maxDuration !== undefined)
      latest = Math.min(latest, start + finite(v.maxDuration, `vehicle ${r} maxDuration`));
    startTime[r] = start;
    let at = vStart[r]!;
    let t = start;
    let left = capacity;
    let driven = 0;
    const visits: FrozenVisit[] = [];
    for (const c of v.frozen?.customers ?? []) {
      if (!Number.isInteger(c) || c < 0 || c >= n) throw new VrptwInputError(`vehicle ${r} freezes customer ${c}`);
      if (isFrozen[c]) throw new VrptwInputError(`customer ${c} is frozen twice`);
      isFrozen[c] = 1;
      const arrival = t + T[at * N + c]!;
      const begin = Math.max(arrival, ready[c]!);
      driven += D[at * N + c]!;
      t = begin + service[c]!;
      at = c;
      left -= demand[c]!;
      visits.push({ customer: c, arrival, start: begin, departure: t });
    }
    if (visits.length) committed[r] = 1;
    const stopLimit =
      v.maxStops === undefined ? n : Math.max(0, Math.floor(finite(v.maxStops, `vehicle ${r} maxStops`)));
    maxStops[r] = Math.max(0, Math.min(n, stopLimit - (v.frozen?.reloadAtEnd ? 0 : visits.length)));
    if (visits.length && v.frozen?.reloadAtEnd) {
      driven += D[at * N + vEnd[r]!]!;
      t += T[at * N + vEnd[r]!]!;
      reloadAt[r] = t;
      at = vEnd[r]!;
      left = capacity;
    }
    sNode[r] = at;
    sTime[r] = t;
    eNode[r] = vEnd[r]!;
    lEnd[r] = latest;
    cap[r] = left;
    fixedDist[r] = driven;
    frozenOf.push(visits);
  });

  // Interchangeable empty slots share a kind.
  const kind = new Int32Array(R);
  const kinds = new Map<string, number>();
  for (let r = 0; r < R; r++) {
    const key = committed[r] ? `c${r}` : `${sNode[r]}|${sTime[r]}|${eNode[r]}|${lEnd[r]}|${cap[r]}|${maxStops[r]}`;
    let k = kinds.get(key);
    if (k === undefined) {
      k = kinds.size;
      kinds.set(key, k);
    }
    kind[r] = k;
  }

  const setAside: Unserved[] = [];
  const free: number[] = [];
  const maxCapacity = p.vehicles.reduce((m, v) => Math.max(m, v.capacity), 0);
  for (let u = 0; u < n; u++) {
    if (isFrozen[u]) continue;
    let fits = false;
    let reachable = false;
    let allowedCapacity = 0;
    for (let r = 0; r < R && !fits; r++) {
      if (may && !may[u * R + r]) continue;
      if (maxStops[r]! < 1) continue;
      allowedCapacity = Math.max(allowedCapacity, cap[r]!);
      if (demand[u]! > cap[r]!) continue;
      const arrival = sTime[r]! + T[sNode[r]! * N + u]!;
      if (arrival > due[u]!) continue;
      reachable = true;
      if (Math.max(arrival, ready[u]!) + service[u]! + T[u * N + eNode[r]!]! <= lEnd[r]!) fits = true;
    }
    if (fits) free.push(u);
    else if (p.customers[u]!.vehicles?.length === 0)
      setAside.push({ customer: u, code: 'fleet', reason: 'no vehicle may serve it' });
    else if (demand[u]! > (may ? allowedCapacity : maxCapacity))
      setAside.push({
        customer: u,
        code: 'capacity',
        reason: `demand ${demand[u]} is more than any vehicle carries (${may ? allowedCapacity : maxCapacity})`,
      });
    else if (!reachable)
      setAside.push({
        customer: u,
        code: 'window',
        reason: `no vehicle can get there before its window closes (due ${due[u]})`,
      });
    else
      setAside.push({
        customer: u,
        code: 'duration',
        reason: 'no vehicle can serve it and be back before the end of its shift',
      });
  }

  const K = Math.min(free.length, 100);
  const neighbours = new Int32Array(n * K);
  for (const u of free) {
    const order = free.slice().sort((a, b) => D[u * N + a]! - D[u * N + b]! || (a === u ? -1 : b === u ? 1 : a - b));
    for (let k = 0; k < K; k++) neighbours[u * K + k] = order[k]!;
  }

  return {
    n,
    N,
    R,
    D,
    T,
    demand,
    ready,
    due,
    service,
    sNode,
    sTime,
    eNode,
    lEnd,
    cap,
    maxStops,
    fixedDist,
    committed,
    kind,
    free: Int32Array.from(free),
    neighbours,
    K,
    frozenOf,
    reloadAt,
    startTime,
    setAside,
    allowed: may,
  };
}
