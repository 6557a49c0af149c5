import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@storefleet/shared';
import { expect } from 'vitest';
import type { TestHub } from '../../../../tests/support/test-hub.js';

/**
 * The route planner's tests stand on vans and deliveries written row by row (schema/001_init.sql), as an accepted
 * offer leaves them, and check what the planner wrote with their own arithmetic (`routeProblems`): it shares no code
 * with the planner or the solver.
 */
export const DEPOT_AT = { lat: 40.7, lon: -74 };
const MIN = 60_000;

/** A point `kmEast` east and `kmNorth` north of the depot. */
export const door = (kmEast: number, kmNorth = 0) => ({
  lat: DEPOT_AT.lat + kmNorth / 111.195,
  lon: DEPOT_AT.lon + kmEast / (111.195 * Math.cos((DEPOT_AT.lat * Math.PI) / 180)),
});

export interface Van {
  readonly id: string;
  readonly code: string;
  readonly name: string;
}

let vans = 0;
export async function addVan(
  t: TestHub,
  depotId: string,
  o: {
    capacityGrams?: number;
    capacityStops?: number;
    speedKmh?: number;
    shift?: [number, number];
    active?: boolean;
  } = {},
): Promise<Van> {
  const id = uuidv7();
  const code = `VAN-P${++vans}-${randomUUID().slice(0, 4).toUpperCase()}`;
  const name = `Planner van ${vans}`;
  const now = Date.now();
  await t.hub.db.query(
    `INSERT INTO delivery_carriers (id, code, name, kind, depot_id, lat, lon, radius_km, capacity_grams, capacity_stops,
       speed_kmh, shift_start_min, shift_end_min, active, created_at, updated_at)
     VALUES ($1, $2, $3, 'VAN', $4, $5, $6, 40, $7, $8, $9, $10, $11, $12, $13, $13)`,
    [
      id,
      code,
      name,
      depotId,
      DEPOT_AT.lat,
      DEPOT_AT.lon,
      o.capacityGrams ?? 50_000,
      o.capacityStops ?? 20,
      o.speedKmh ?? 30,
      o.shift?.[0] ?? 0,
      o.shift?.[1] ?? 1440,
      o.active ?? true,
      now,
    ],
  );
  return { id, code, name };
}

let orders = 77_000;
export async function addDelivery(
  t: TestHub,
  o: {
    storeId: string;
    vanId: string;
    at: { lat: number; lon: number };
    window?: { from: number; to: number };
    status?: string;
    grams?: number;
  },
): Promise<string> {
  const id = uuidv7();
  const now = Date.now();
  const window = o.window ?? { from: now, to: now + 4 * 60 * MIN };
  await t.hub.db.query(
    `INSERT INTO deliveries (id, order_id, order_number, store_id, reservation_id, customer_name, request, lines,
       weight_grams, window_from, window_to, status, carrier_id, driver, collect_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'Ann Lee', $6, '[{"sku":"OAT-1L","qty":1}]', $7, $8, $9, $10, $11,
             '{"name":"Sam Driver","vehicle":"VAN AB12"}', $12, $12, $12)`,
    [
      id,
      randomUUID(),
      `SF-${++orders}`,
      o.storeId,
      randomUUID(),
      JSON.stringify({
        speed: 'WINDOW',
        window,
        address: { line1: '1 Test Row', city: 'Riverton', postcode: 'RV1', lat: o.at.lat, lon: o.at.lon },
      }),
      o.grams ?? 1000,
      window.from,
      window.to,
      o.status ?? 'ASSIGNED',
      o.vanId,
      now,
    ],
  );
  return id;
}

export interface RouteRow {
  id: string;
  carrier_id: string;
  status: string;
  stops: { deliveryId: string; arriveAt: number; departAt: number; state: string }[];
  distance_km: number;
  plan_version: number;
}

export async function routesOf(t: TestHub, vanIds: readonly string[]): Promise<RouteRow[]> {
  const { rows } = await t.hub.db.query<RouteRow>(
    `SELECT id, carrier_id, status, stops, distance_km, plan_version FROM delivery_routes
      WHERE carrier_id = ANY($1::uuid[]) ORDER BY planned_at, id`,
    [vanIds],
  );
  return rows;
}

export async function liveRoute(t: TestHub, vanId: string): Promise<RouteRow | undefined> {
  return (await routesOf(t, [vanId])).find((r) => r.status === 'PLANNED' || r.status === 'UNDER_WAY');
}

export interface DeliveryState {
  id: string;
  status: string;
  carrier_id: string | null;
  eta: number | null;
  collect_by: number | null;
  weight_grams: number;
  window_from: number;
  window_to: number;
  lat: number;
  lon: number;
  version: number;
}

export async function deliveryState(t: TestHub, id: string): Promise<DeliveryState> {
  const { rows } = await t.hub.db.query<DeliveryState>(
    `SELECT id, status, carrier_id, eta, collect_by, weight_grams, window_from, window_to, version,
            (request->'address'->>'lat')::float8 AS lat, (request->'address'->>'lon')::float8 AS lon
       FROM deliveries WHERE id = $1`,
    [id],
  );
  return rows[0]!;
}

export async function eventsOf(t: TestHub, id: string): Promise<{ kind: string; text: string | null }[]> {
  const { rows } = await t.hub.db.query<{ kind: string; text: string | null }>(
    `SELECT kind, detail->>'text' AS text FROM delivery_events WHERE delivery_id = $1 ORDER BY seq`,
    [id],
  );
  return rows;
}

/** Road km between two points: 1.3 × the great circle (haversine, mean Earth radius). */
function roadKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const h =
    Math.sin(r(b.lat - a.lat) / 2) ** 2 + Math.cos(r(a.lat)) * Math.cos(r(b.lat)) * Math.sin(r(b.lon - a.lon) / 2) ** 2;
  return 1.3 * 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * What is wrong with a van's PLANNED stops as written: each reached in its window after driving from the previous
 * one (or from the depot, leaving at the collection time) at the van's speed, three minutes at each door, back by the
 * shift's end, within the van's weight and stop limits, and each delivery's ETA and collection time as the route says.
 */
export async function routeProblems(
  t: TestHub,
  route: RouteRow,
  van: { capacityGrams: number; capacityStops: number; speedKmh: number; shiftEnd: number },
): Promise<string[]> {
  const out: string[] = [];
  const TOL = 2; // ms: times are rounded to the millisecond
  const planned = route.stops.filter((s) => s.state === 'PLANNED');
  if (!planned.length) return out;
  const rows = await Promise.all(planned.map((s) => deliveryState(t, s.deliveryId)));
  const minutes = (km: number) => (km / van.speedKmh) * 60 * MIN;
  let at = DEPOT_AT;
  let clock = rows[0]!.collect_by!;
  let grams = 0;
  planned.forEach((s, i) => {
    const d = rows[i]!;
    if (d.status !== 'ASSIGNED' || d.carrier_id !== route.carrier_id)
      out.push(`${d.id} is ${d.status} on ${d.carrier_id}, planned on ${route.carrier_id}`);
    if (d.collect_by !== rows[0]!.collect_by) out.push(`${d.id} is collected at ${d.collect_by}, not with the others`);
    const arrival = clock + minutes(roadKm(at, d));
    const start = Math.max(arrival, d.window_from);
    if (Math.abs(start - s.arriveAt) > TOL) out.push(`${d.id}: planned at ${s.arriveAt}, replayed ${start}`);
    if (start > d.window_to + TOL) out.push(`${d.id}: reached at ${start}, after its window closes at ${d.window_to}`);
    if (d.eta !== s.arriveAt) out.push(`${d.id}: eta ${d.eta}, route says ${s.arriveAt}`);
    if (Math.abs(s.departAt - s.arriveAt - 3 * MIN) > TOL) out.push(`${d.id}: not three minutes at the door`);
    clock = s.departAt;
    at = d;
    grams += d.weight_grams;
  });
  if (clock + minutes(roadKm(at, DEPOT_AT)) > van.shiftEnd + TOL) out.push('back after the shift ends');
  if (grams > van.capacityGrams) out.push(`carries ${grams} g, over ${van.capacityGrams}`);
  if (planned.length > van.capacityStops) out.push(`${planned.length} stops, over ${van.capacityStops}`);
  return out;
}

export function expectSameMembers(actual: readonly string[], expected: readonly string[]): void {
  expect([...actual].sort()).toEqual([...expected].sort());
}
