import type { Queryable } from '../../../db/db.js';
import { zoneOrUtc } from '../local-time.js';
import type { DeliveryInput, DepotInputs, StopState, StoredStop, VanInput } from './depot-plan.js';

/**
 * The route planner's SQL: what one depot's plan is made from, and its live routes. Delivery changes go through
 * `writeDelivery` guarded by the version the plan was made from, so a plan never overwrites a change it did not see.
 */
const OPEN = ['ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING'];
/** A stop whose delivery reached one of these is behind the van. */
const FINISHED = new Set(['DELIVERED', 'FAILED', 'RETURNING', 'RETURNED']);

export interface LiveRoute {
  readonly id: string;
  readonly carrierId: string;
  readonly status: 'PLANNED' | 'UNDER_WAY';
  readonly stops: StoredStop[];
  readonly distanceKm: number;
  readonly planVersion: number;
}

export interface DepotSnapshot {
  readonly inputs: DepotInputs;
  readonly routes: readonly LiveRoute[];
  /** Every open delivery's version (and each van's row and route), so a write can tell whether anything moved. */
  readonly fingerprint: string;
  /** Each van's row as the fingerprint has it (id, last update, on duty). */
  readonly vansKey: string;
  /** The version of each delivery read (open ones and the live routes' others). */
  readonly versions: ReadonlyMap<string, number>;
  /** The state each stop of the live routes has now, from its delivery's status (null: cancelled, or gone). */
  readonly stopStates: ReadonlyMap<string, StopState | null>;
  /** What each open delivery had before this plan: its van, collection time and ETA. */
  readonly before: ReadonlyMap<string, { readonly carrierId: string; readonly collectBy: number | null }>;
}

interface VanRow {
  id: string;
  code: string;
  name: string;
  active: boolean;
  lat: number;
  lon: number;
  capacity_grams: number;
  capacity_stops: number;
  speed_kmh: number;
  shift_start_min: number;
  shift_end_min: number;
  updated_at: number;
  p_lat: number | null;
  p_lon: number | null;
  p_at: number | null;
}

interface DeliveryRow {
  id: string;
  status: string;
  carrier_id: string;
  weight_grams: number;
  window_from: number;
  window_to: number;
  lat: number | string;
  lon: number | string;
  version: number;
  collect_by: number | null;
}

const stopsOf = (raw: unknown): StoredStop[] =>
  Array.isArray(raw)
    ? raw
        .filter((s): s is Record<string, unknown> => !!s && typeof s === 'object' && typeof s.deliveryId === 'string')
        .map((s) => ({
          deliveryId: String(s.deliveryId),
          arriveAt: Number(s.arriveAt) || 0,
          departAt: Number(s.departAt) || 0,
          state: s.state === 'DONE' || s.state === 'UNDER_WAY' ? s.state : 'PLANNED',
        }))
    : [];

export class RouteRepository {
  constructor(readonly db: Queryable) {}

  /** Depots whose vans carry open deliveries or drive a live route: the sweep looks at each. */
  async depotsToLookAt(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ depot_id: string }>(
      `SELECT c.depot_id FROM delivery_carriers c
        WHERE c.kind = 'VAN' AND c.depot_id IS NOT NULL
          AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.carrier_id = c.id AND d.status = ANY($1::text[]))
            OR EXISTS (SELECT 1 FROM delivery_routes r WHERE r.carrier_id = c.id AND r.status IN ('PLANNED', 'UNDER_WAY')))
        GROUP BY c.depot_id ORDER BY c.depot_id LIMIT $2`,
      [OPEN, limit],
    );
    return rows.map((r) => r.depot_id);
  }

  /** Everything one depot's plan is made from, or null when the depot is not a known location. */
  async snapshot(depotId: string, now: number): Promise<DepotSnapshot | null> {
    const place = await this.db.query<{ timezone: string | null }>('SELECT timezone FROM locations WHERE id = $1', [
      depotId,
    ]);
    if (!place.rows[0]) return null;
    const vans = await this.db.query<VanRow>(
      `SELECT c.id, c.code, c.name, c.active, c.lat, c.lon, c.capacity_grams, c.capacity_stops, c.speed_kmh,
              c.shift_start_min, c.shift_end_min, c.updated_at, p.lat AS p_lat, p.lon AS p_lon, p.at AS p_at
         FROM delivery_carriers c LEFT JOIN delivery_positions p ON p.carrier_id = c.id
        WHERE c.kind = 'VAN' AND c.depot_id = $1 ORDER BY c.code`,
      [depotId],
    );
    const ids = vans.rows.map((v) => v.id);
    const routes = ids.length
      ? (
          await this.db.query<{
            id: string;
            carrier_id: string;
            status: LiveRoute['status'];
            stops: unknown;
            distance_km: number;
            plan_version: number;
          }>(
            `SELECT id, carrier_id, status, stops, distance_km, plan_version FROM delivery_routes
              WHERE carrier_id = ANY($1::uuid[]) AND status IN ('PLANNED', 'UNDER_WAY') ORDER BY carrier_id`,
            [ids],
          )
        ).rows.map((r) => ({
          id: r.id,
          carrierId: r.carrier_id,
          status: r.status,
          stops: stopsOf(r.stops),
          distanceKm: r.distance_km,
          planVersion: r.plan_version,
        }))
      : [];
    const open = ids.length
      ? (
          await this.db.query<DeliveryRow>(
            `SELECT id, status, carrier_id, weight_grams, window_from, window_to, version, collect_by,
                    request->'address'->>'lat' AS lat, request->'address'->>'lon' AS lon
               FROM deliveries WHERE carrier_id = ANY($1::uuid[]) AND status = ANY($2::text[]) ORDER BY id`,
            [ids, OPEN],
          )
        ).rows
      : [];
    // The stops of the live routes whose deliveries are no longer open: done, or cancelled.
    const openIds = new Set(open.map((d) => d.id));
    const closedIds = [...new Set(routes.flatMap((r) => r.stops.map((s) => s.deliveryId)))].filter(
      (id) => !openIds.has(id),
    );
    const closed = closedIds.length
      ? (
          await this.db.query<{ id: string; status: string; version: number }>(
            'SELECT id, status, version FROM deliveries WHERE id = ANY($1::uuid[]) ORDER BY id',
            [closedIds],
          )
        ).rows
      : [];
    const stopStates = new Map<string, StopState | null>();
    for (const d of open) stopStates.set(d.id, d.status === 'ASSIGNED' ? 'PLANNED' : 'UNDER_WAY');
    for (const id of closedIds) stopStates.set(id, null);
    for (const d of closed) stopStates.set(d.id, FINISHED.has(d.status) ? 'DONE' : null);

    const deliveries: DeliveryInput[] = open.map((d) => ({
      id: d.id,
      status: d.status,
      carrierId: d.carrier_id,
      weightGrams: d.weight_grams,
      window: { from: d.window_from, to: d.window_to },
      door: { lat: Number(d.lat), lon: Number(d.lon) },
    }));
    const routeOf = new Map(routes.map((r) => [r.carrierId, r]));
    const vanInputs: VanInput[] = vans.rows.map((v) => ({
      id: v.id,
      code: v.code,
      name: v.name,
      active: v.active,
      base: { lat: v.lat, lon: v.lon },
      capacityGrams: v.capacity_grams,
      capacityStops: v.capacity_stops,
      speedKmh: v.speed_kmh,
      shiftStartMin: v.shift_start_min,
      shiftEndMin: v.shift_end_min,
      position: v.p_lat === null || v.p_lon === null ? null : { lat: v.p_lat, lon: v.p_lon, at: Number(v.p_at) },
      liveRoute: routeOf.get(v.id) ?? null,
    }));
    const vanRows = vans.rows.map((v) => [v.id, v.updated_at, v.active]);
    const vansKey = JSON.stringify(vanRows);
    const fingerprint = JSON.stringify([
      vanRows,
      open.map((d) => [d.id, d.version]),
      closed.map((d) => [d.id, d.version]),
      routes.map((r) => [r.id, r.planVersion]),
    ]);
    return {
      inputs: { now, timezone: zoneOrUtc(place.rows[0].timezone), vans: vanInputs, deliveries },
      routes,
      fingerprint,
      vansKey,
      versions: new Map([...open, ...closed].map((d) => [d.id, d.version])),
      stopStates,
      before: new Map(open.map((d) => [d.id, { carrierId: d.carrier_id, collectBy: d.collect_by }])),
    };
  }

  /** Serialises plan writes for one depot across hub processes, until the transaction ends. */
  async lockDepot(depotId: string): Promise<void> {
    await this.db.query("SELECT pg_advisory_xact_lock(hashtext('delivery.replan:' || $1::text))", [depotId]);
  }

  async insertRoute(r: {
    id: string;
    carrierId: string;
    depotId: string;
    status: 'PLANNED' | 'UNDER_WAY';
    stops: readonly StoredStop[];
    distanceKm: number;
    now: number;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO delivery_routes (id, carrier_id, depot_id, status, stops, distance_km, plan_version, planned_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, 1, $7, $7)`,
      [r.id, r.carrierId, r.depotId, r.status, JSON.stringify(r.stops), r.distanceKm, r.now],
    );
  }

  /** Re-plans a live route in place (plan_version + 1), or ends it (DONE, ABANDONED). */
  async updateRoute(
    id: string,
    status: 'PLANNED' | 'UNDER_WAY' | 'DONE' | 'ABANDONED',
    stops: readonly StoredStop[],
    distanceKm: number,
    now: number,
  ): Promise<void> {
    await this.db.query(
      `UPDATE delivery_routes SET status = $2, stops = $3::jsonb, distance_km = $4, plan_version = plan_version + 1,
              planned_at = $5, updated_at = $5
        WHERE id = $1`,
      [id, status, JSON.stringify(stops), distanceKm, now],
    );
  }

  /**
   * A planned delivery's van, ETA and collection time, if it is still at the version the plan was made from; false
   * when it moved on meanwhile (the plan is then stale). Bumps its version when anything changes.
   */
  async writeDelivery(
    id: string,
    version: number,
    change: {
      carrierId: string;
      driver: { name: string; vehicle: string } | null;
      eta: number;
      collectBy: number;
    },
    now: number,
  ): Promise<'changed' | 'same' | 'stale'> {
    const { rows } = await this.db.query<{ changed: boolean }>(
      `UPDATE deliveries SET carrier_id = $3, driver = CASE WHEN $4::jsonb IS NULL THEN driver ELSE $4::jsonb END,
              eta = $5, collect_by = $6,
              version = version + CASE WHEN (carrier_id, eta, collect_by) IS DISTINCT FROM ($3::uuid, $5::bigint, $6::bigint) THEN 1 ELSE 0 END,
              updated_at = CASE WHEN (carrier_id, eta, collect_by) IS DISTINCT FROM ($3::uuid, $5::bigint, $6::bigint)
                                THEN greatest($7, updated_at + 1) ELSE updated_at END
        WHERE id = $1 AND version = $2 AND status = 'ASSIGNED'
        RETURNING version <> $2 AS changed`,
      [
        id,
        version,
        change.carrierId,
        change.driver ? JSON.stringify(change.driver) : null,
        change.eta,
        change.collectBy,
        now,
      ],
    );
    if (!rows[0]) return 'stale';
    return rows[0].changed ? 'changed' : 'same';
  }

  /** The kind and text of a delivery's latest timeline entry (to say "no van can fit it" once, not every sweep). */
  async lastEvent(deliveryId: string): Promise<{ kind: string; text: string | null } | undefined> {
    const { rows } = await this.db.query<{ kind: string; text: string | null }>(
      `SELECT kind, detail->>'text' AS text FROM delivery_events WHERE delivery_id = $1 ORDER BY seq DESC LIMIT 1`,
      [deliveryId],
    );
    return rows[0];
  }
}

/**
 * Whether `written` (read inside a plan's transaction, after its writes) differs from `locked` (read under the lock,
 * before them) only by what the plan wrote: the same vans, the same open deliveries, no delivery that was not there,
 * and the same version of every delivery the plan did not write (`wrote`: the rows its updates hold locked until
 * commit). A finished delivery the plan took off a route may be gone. Read committed lets `written` see what others
 * committed meanwhile.
 */
export function onlyThePlanChanged(locked: DepotSnapshot, written: DepotSnapshot, wrote: ReadonlySet<string>): boolean {
  if (locked.vansKey !== written.vansKey) return false;
  if (locked.before.size !== written.before.size) return false;
  for (const id of locked.before.keys()) if (!written.before.has(id)) return false;
  for (const [id, version] of written.versions) {
    const was = locked.versions.get(id);
    if (was === undefined || (was !== version && !wrote.has(id))) return false;
  }
  return true;
}
