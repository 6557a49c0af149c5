import type { VrptwProblem, VrptwSolution } from '../solver/types.js';

/**
 * The tests' own feasibility check of a solver answer, written apart from the solver (it shares only the types): it
 * replays every route from the problem's numbers and lists what is wrong, so a test asserts `toEqual([])`.
 *
 * Checked: each customer served exactly once or listed unserved (with a reason), never both; a vehicle drives at most
 * once; a vehicle's frozen stops come first, in their order, marked frozen; after them, if it reloads, it goes back
 * to its end location first; every free stop is reached by its window's close (waiting allowed, service time
 * spent), by a vehicle the customer allows; the load and the number of stops within the vehicle's limits (frozen and new stops
 * share them unless the vehicle reloads); a route with new stops
 * back at the end by min(latestEnd, startTime + maxDuration); the times and the distance the solver reports match the replay.
 */
export function feasibilityProblems(p: VrptwProblem, s: VrptwSolution): string[] {
  const out: string[] = [];
  const EPS = 1e-6;
  const d = p.distances;
  const leg = (a: number, b: number): number => {
    if (d.kind === 'matrix') return Number(d.values[a * d.size + b]);
    return Math.sqrt((Number(d.x[a]) - Number(d.x[b])) ** 2 + (Number(d.y[a]) - Number(d.y[b])) ** 2);
  };
  const speed = p.timePerDistance ?? 1;
  const times = new Array<number>(p.customers.length).fill(0);
  const driven = new Set<number>();
  let total = 0;
  for (const route of s.routes) {
    const v = p.vehicles[route.vehicle];
    if (!v) {
      out.push(`route of unknown vehicle ${route.vehicle}`);
      continue;
    }
    if (driven.has(route.vehicle)) out.push(`vehicle ${v.id} drives twice`);
    driven.add(route.vehicle);
    const frozen = v.frozen?.customers ?? [];
    const stops = route.stops;
    frozen.forEach((c, i) => {
      if (stops[i]?.customer !== c || !stops[i]?.frozen)
        out.push(`vehicle ${v.id}: frozen stop ${i + 1} should be customer ${c}, is ${stops[i]?.customer}`);
    });
    if (stops.slice(frozen.length).some((x) => x.frozen)) out.push(`vehicle ${v.id}: a new stop is marked frozen`);
    let at = v.startLocation;
    if (route.departure < v.startTime - EPS) out.push(`vehicle ${v.id} leaves at ${route.departure}, before its start`);
    let t = frozen.length ? v.startTime : route.departure;
    let load = 0;
    let distance = 0;
    stops.forEach((stop, i) => {
      const c = p.customers[stop.customer];
      if (!c) {
        out.push(`vehicle ${v.id}: unknown customer ${stop.customer}`);
        return;
      }
      times[stop.customer]!++;
      if (i >= frozen.length && c.vehicles && !c.vehicles.includes(route.vehicle))
        out.push(`customer ${c.id} is served by vehicle ${v.id}, which it does not allow`);
      if (i === frozen.length && frozen.length && v.frozen?.reloadAtEnd) {
        distance += leg(at, v.endLocation);
        t += leg(at, v.endLocation) * speed;
        at = v.endLocation;
        if (route.reloadAt === null || Math.abs(route.reloadAt - t) > EPS)
          out.push(`vehicle ${v.id}: reload reported at ${route.reloadAt}, replayed at ${t}`);
        load = 0;
      }
      distance += leg(at, c.location);
      const arrival = t + leg(at, c.location) * speed;
      if (i >= frozen.length && arrival > c.due + EPS)
        out.push(`customer ${c.id} reached at ${arrival}, after its window closes at ${c.due}`);
      const start = Math.max(arrival, c.ready);
      if (Math.abs(stop.arrival - arrival) > EPS || Math.abs(stop.start - start) > EPS)
        out.push(
          `customer ${c.id}: reported arrival ${stop.arrival}/start ${stop.start}, replayed ${arrival}/${start}`,
        );
      t = start + c.service;
      if (Math.abs(stop.departure - t) > EPS)
        out.push(`customer ${c.id}: reported departure ${stop.departure}, replayed ${t}`);
      load += c.demand;
      if (load > v.capacity + EPS) out.push(`vehicle ${v.id} carries ${load} by customer ${c.id}, over ${v.capacity}`);
      at = c.location;
    });
    const counted = v.frozen?.reloadAtEnd ? stops.length - frozen.length : stops.length;
    if (v.maxStops !== undefined && stops.length > frozen.length && counted > v.maxStops)
      out.push(`vehicle ${v.id} makes ${counted} stops on a run, over its ${v.maxStops}`);
    distance += leg(at, v.endLocation);
    t += leg(at, v.endLocation) * speed;
    const deadline = Math.min(v.latestEnd, v.startTime + (v.maxDuration ?? Number.POSITIVE_INFINITY));
    // Frozen stops alone may overrun (they were under way already); a route given new stops may not.
    if (t > deadline + EPS && stops.length > frozen.length)
      out.push(`vehicle ${v.id} is back at ${t}, after ${deadline}`);
    if (Math.abs(route.end - t) > EPS) out.push(`vehicle ${v.id}: reported end ${route.end}, replayed ${t}`);
    if (Math.abs(route.distance - distance) > EPS)
      out.push(`vehicle ${v.id}: reported distance ${route.distance}, replayed ${distance}`);
    total += distance;
  }
  p.vehicles.forEach((v, r) => {
    if (v.frozen?.customers.length && !driven.has(r)) out.push(`vehicle ${v.id} has frozen stops but no route`);
  });
  for (const u of s.unserved) {
    times[u.customer]!++;
    if (!u.reason) out.push(`customer ${u.customer} is unserved without a reason`);
  }
  times.forEach((k, i) => {
    if (k !== 1) out.push(`customer ${p.customers[i]!.id} appears ${k} times`);
  });
  if (Math.abs(s.distance - total) > EPS * Math.max(1, total))
    out.push(`total distance ${s.distance}, replayed ${total}`);
  if (s.vehiclesUsed !== s.routes.length) out.push(`vehiclesUsed ${s.vehiclesUsed} but ${s.routes.length} routes`);
  return out;
}
