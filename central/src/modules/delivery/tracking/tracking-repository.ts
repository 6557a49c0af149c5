import type { DeliveryStatus } from '@storefleet/shared';
import type { Queryable } from '../../../db/db.js';
import type { Delivery } from '../types.js';
import type { Point } from './eta.js';
import type { ProofKind } from './driver-frames.js';

/** A carrier as its driver app is known: who it is, where it starts, how fast it goes. */
export interface Driver {
  readonly carrierId: string;
  readonly code: string;
  readonly name: string;
  readonly kind: 'VAN' | 'GIG' | 'DSP' | 'DRONE';
  readonly lat: number;
  readonly lon: number;
  readonly speedKmh: number;
  readonly active: boolean;
  readonly failRate: number;
}

/** The store a delivery leaves from, as tracking needs it. */
export interface StorePlace {
  readonly id: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly timezone: string;
}

/** A delivery with its store and carrier, for the customer's tracking page and the drivers' runs. */
export interface TrackedDelivery {
  readonly delivery: Delivery;
  readonly store: StorePlace;
  readonly carrier: { readonly kind: Driver['kind']; readonly name: string; readonly speedKmh: number } | null;
}

export interface Position extends Point {
  readonly carrierId: string;
  readonly at: number;
  readonly receivedAt: number;
  readonly deliveryId: string | null;
}

/** Ring size of each carrier's trail (schema/004_tracking.sql holds the same bound in its CHECK). */
export const TRAIL_LENGTH = 120;

const DELIVERY_COLUMNS = `d.id, d.order_id, d.order_number, d.store_id, d.reservation_id, d.customer_name, d.request,
  d.lines, d.weight_grams, d.age_restricted, d.window_from, d.window_to, d.status, d.carrier_id, d.driver, d.collect_by,
  d.eta, d.failure, d.version, d.created_at, d.updated_at`;
const TRACKED_COLUMNS = `${DELIVERY_COLUMNS}, l.name AS store_name, l.lat AS store_lat, l.lon AS store_lon,
  l.timezone AS store_timezone, c.kind AS carrier_kind, c.name AS carrier_name, c.speed_kmh AS carrier_speed_kmh`;
const TRACKED_FROM = `deliveries d JOIN locations l ON l.id = d.store_id
  LEFT JOIN delivery_carriers c ON c.id = d.carrier_id`;

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function deliveryOf(r: Row): Delivery {
  return {
    id: String(r.id),
    orderId: String(r.order_id),
    orderNumber: String(r.order_number),
    storeId: String(r.store_id),
    reservationId: String(r.reservation_id),
    customerName: String(r.customer_name),
    request: r.request as Delivery['request'],
    lines: r.lines as Delivery['lines'],
    weightGrams: num(r.weight_grams),
    ageRestricted: Boolean(r.age_restricted),
    window: { from: num(r.window_from), to: num(r.window_to) },
    status: r.status as DeliveryStatus,
    carrierId: (r.carrier_id as string | null) ?? null,
    driver: (r.driver as Delivery['driver']) ?? null,
    collectBy: numOrNull(r.collect_by),
    eta: numOrNull(r.eta),
    failure: (r.failure as string | null) ?? null,
    version: num(r.version),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

const trackedOf = (r: Row): TrackedDelivery => ({
  delivery: deliveryOf(r),
  store: {
    id: String(r.store_id),
    name: String(r.store_name),
    lat: num(r.store_lat),
    lon: num(r.store_lon),
    timezone: String(r.store_timezone),
  },
  carrier:
    r.carrier_kind === null || r.carrier_kind === undefined
      ? null
      : { kind: r.carrier_kind as Driver['kind'], name: String(r.carrier_name), speedKmh: num(r.carrier_speed_kmh) },
});

const driverOf = (r: Row): Driver => {
  const sim = r.simulator as { failRate?: unknown } | null;
  return {
    carrierId: String(r.id),
    code: String(r.code),
    name: String(r.name),
    kind: r.kind as Driver['kind'],
    lat: num(r.lat),
    lon: num(r.lon),
    speedKmh: num(r.speed_kmh),
    active: Boolean(r.active),
    failRate: typeof sim?.failRate === 'number' && sim.failRate >= 0 && sim.failRate <= 1 ? sim.failRate : 0,
  };
};

/** All SQL of tracking: drivers, positions, the deliveries' tracking states, proofs, PINs and timeline lines. */
export class TrackingRepository {
  async driverByTokenHash(q: Queryable, hash: string): Promise<Driver | undefined> {
    const { rows } = await q.query(
      'SELECT id, code, name, kind, lat, lon, speed_kmh, active, simulator FROM delivery_carriers WHERE driver_token_hash = $1',
      [hash],
    );
    return rows[0] ? driverOf(rows[0]) : undefined;
  }

  /** The token hash and active flag of each of these carriers (the drivers' sockets re-check them). */
  async driverCredentials(
    q: Queryable,
    carrierIds: readonly string[],
  ): Promise<Map<string, { tokenHash: string | null; active: boolean }>> {
    const { rows } = await q.query(
      'SELECT id, driver_token_hash, active FROM delivery_carriers WHERE id = ANY($1::uuid[])',
      [carrierIds],
    );
    return new Map(
      rows.map((r) => [
        String(r.id),
        { tokenHash: (r.driver_token_hash as string | null) ?? null, active: Boolean(r.active) },
      ]),
    );
  }

  /**
   * The delivery with its row locked until the transaction ends. FOR NO KEY UPDATE (no key column changes under it),
   * as repository.ts locks: FOR UPDATE also blocked other transactions' foreign-key checks on the row (an offer or a
   * timeline line for this delivery) while this one waited for the store's feed head they held — a deadlock.
   */
  async lock(tx: Queryable, id: string): Promise<Delivery | undefined> {
    const { rows } = await tx.query(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = $1 FOR NO KEY UPDATE`, [
      id,
    ]);
    return rows[0] ? deliveryOf(rows[0]) : undefined;
  }

  async tracked(q: Queryable, id: string): Promise<TrackedDelivery | undefined> {
    const { rows } = await q.query(`SELECT ${TRACKED_COLUMNS} FROM ${TRACKED_FROM} WHERE d.id = $1`, [id]);
    return rows[0] ? trackedOf(rows[0]) : undefined;
  }

  async trackedByTokenHash(q: Queryable, hash: string): Promise<TrackedDelivery | undefined> {
    const { rows } = await q.query(`SELECT ${TRACKED_COLUMNS} FROM ${TRACKED_FROM} WHERE d.tracking_token_hash = $1`, [
      hash,
    ]);
    return rows[0] ? trackedOf(rows[0]) : undefined;
  }

  /** A carrier's deliveries in these states, oldest window first. */
  async ofCarrier(q: Queryable, carrierId: string, statuses: readonly DeliveryStatus[]): Promise<TrackedDelivery[]> {
    const { rows } = await q.query(
      `SELECT ${TRACKED_COLUMNS} FROM ${TRACKED_FROM}
       WHERE d.carrier_id = $1 AND d.status = ANY($2::text[]) ORDER BY d.window_from, d.id LIMIT 500`,
      [carrierId, statuses],
    );
    return rows.map(trackedOf);
  }

  /**
   * Moves a delivery to `status` (a new version, its time), with its failure when given; returns it as it is now.
   * Callers hold its lock and have checked the move.
   */
  async setStatus(tx: Queryable, id: string, status: DeliveryStatus, now: number, failure?: string): Promise<Delivery> {
    const { rows } = await tx.query(
      `UPDATE deliveries d SET status = $2, failure = COALESCE($4, d.failure), version = d.version + 1, updated_at = $3
       WHERE d.id = $1 RETURNING ${DELIVERY_COLUMNS}`,
      [id, status, now, failure ?? null],
    );
    return deliveryOf(rows[0]!);
  }

  /** OUT_FOR_DELIVERY → ARRIVING, only if it is still out: true once, so the geofence raises it once. */
  async markArriving(tx: Queryable, id: string, now: number): Promise<Delivery | undefined> {
    const { rows } = await tx.query(
      `UPDATE deliveries d SET status = 'ARRIVING', version = d.version + 1, updated_at = $2
       WHERE d.id = $1 AND d.status = 'OUT_FOR_DELIVERY' RETURNING ${DELIVERY_COLUMNS}`,
      [id, now],
    );
    return rows[0] ? deliveryOf(rows[0]) : undefined;
  }

  /** New estimates (the store's copy holds none, so no new version). */
  async setEtas(tx: Queryable, etas: ReadonlyMap<string, number>): Promise<void> {
    if (!etas.size) return;
    await tx.query(
      `UPDATE deliveries d SET eta = v.eta FROM unnest($1::uuid[], $2::bigint[]) AS v(id, eta)
       WHERE d.id = v.id AND d.eta IS DISTINCT FROM v.eta`,
      [[...etas.keys()], [...etas.values()]],
    );
  }

  async addEvent(tx: Queryable, deliveryId: string, at: number, kind: string, detail: object | null): Promise<void> {
    await tx.query('INSERT INTO delivery_events (delivery_id, at, kind, detail) VALUES ($1, $2, $3, $4)', [
      deliveryId,
      at,
      kind,
      detail === null ? null : JSON.stringify(detail),
    ]);
  }

  /** The remaining stops of the carrier's live route, in the route's order (stops already done left out). */
  async routeStops(
    q: Queryable,
    carrierId: string,
  ): Promise<{ deliveryId: string; arriveAt: number; departAt: number; state: string }[]> {
    const { rows } = await q.query<{ stops: unknown }>(
      `SELECT stops FROM delivery_routes WHERE carrier_id = $1 AND status IN ('PLANNED', 'UNDER_WAY')`,
      [carrierId],
    );
    const stops = rows[0]?.stops;
    if (!Array.isArray(stops)) return [];
    return stops
      .filter((s): s is Record<string, unknown> => !!s && typeof s === 'object' && typeof s.deliveryId === 'string')
      .map((s) => ({
        deliveryId: String(s.deliveryId),
        arriveAt: Number(s.arriveAt) || 0,
        departAt: Number(s.departAt) || 0,
        state: String(s.state ?? 'PLANNED'),
      }));
  }

  /** Keeps a position: always on the trail; as the latest only when newer than the one kept. */
  async savePosition(
    tx: Queryable,
    carrierId: string,
    p: Point & { readonly at: number; readonly deliveryId: string | null },
    now: number,
  ): Promise<void> {
    const { rows } = await tx.query<{ slot: number }>(
      `INSERT INTO delivery_positions AS p (carrier_id, lat, lon, at, received_at, delivery_id, trail_next)
       VALUES ($1, $2, $3, $4, $5, $6, 1)
       ON CONFLICT (carrier_id) DO UPDATE SET
         lat = CASE WHEN excluded.at >= p.at THEN excluded.lat ELSE p.lat END,
         lon = CASE WHEN excluded.at >= p.at THEN excluded.lon ELSE p.lon END,
         delivery_id = CASE WHEN excluded.at >= p.at THEN excluded.delivery_id ELSE p.delivery_id END,
         at = GREATEST(p.at, excluded.at),
         received_at = excluded.received_at,
         trail_next = (p.trail_next + 1) % ${TRAIL_LENGTH}
       RETURNING (trail_next + ${TRAIL_LENGTH - 1}) % ${TRAIL_LENGTH} AS slot`,
      [carrierId, p.lat, p.lon, p.at, now, p.deliveryId],
    );
    await tx.query(
      `INSERT INTO delivery_trail (carrier_id, slot, lat, lon, at, delivery_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (carrier_id, slot) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, at = excluded.at,
         delivery_id = excluded.delivery_id`,
      [carrierId, Number(rows[0]!.slot), p.lat, p.lon, p.at, p.deliveryId],
    );
  }

  async latestPosition(q: Queryable, carrierId: string): Promise<Position | undefined> {
    const { rows } = await q.query(
      'SELECT carrier_id, lat, lon, at, received_at, delivery_id FROM delivery_positions WHERE carrier_id = $1',
      [carrierId],
    );
    return rows[0] ? positionOf(rows[0]) : undefined;
  }

  /**
   * The latest position of each carrier (of those carrying an open delivery from `storeId`, when given), with its
   * trail oldest first. `storeView` (a store's manager asking): the delivery a position names is kept only when it is
   * the store's own, and there is no trail — a carrier's past positions are other stores' customers' doors too.
   */
  async positions(
    q: Queryable,
    storeId: string | null,
    storeView = false,
  ): Promise<(Position & { code: string; name: string; kind: string; trail: (Point & { at: number })[] })[]> {
    const { rows } = await q.query(
      `SELECT p.carrier_id, p.lat, p.lon, p.at, p.received_at, c.code, c.name, c.kind,
         CASE WHEN $2::boolean AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.id = p.delivery_id AND o.store_id = $1)
           THEN NULL ELSE p.delivery_id END AS delivery_id
       FROM delivery_positions p JOIN delivery_carriers c ON c.id = p.carrier_id
       WHERE $1::uuid IS NULL OR EXISTS (
         SELECT 1 FROM deliveries d WHERE d.carrier_id = p.carrier_id AND d.store_id = $1
           AND d.status IN ('ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING', 'RETURNING'))
       ORDER BY c.code LIMIT 1000`,
      [storeId, storeView],
    );
    if (!rows.length) return [];
    if (storeView) return rows.map((r) => ({ ...positionOf(r), ...this.#carrierOf(r), trail: [] }));
    const trails = await q.query(
      `SELECT carrier_id, lat, lon, at FROM delivery_trail WHERE carrier_id = ANY($1::uuid[]) ORDER BY carrier_id, at`,
      [rows.map((r) => r.carrier_id)],
    );
    const byCarrier = new Map<string, (Point & { at: number })[]>();
    for (const t of trails.rows) {
      const list = byCarrier.get(String(t.carrier_id)) ?? [];
      list.push({ lat: num(t.lat), lon: num(t.lon), at: num(t.at) });
      byCarrier.set(String(t.carrier_id), list);
    }
    return rows.map((r) => ({
      ...positionOf(r),
      ...this.#carrierOf(r),
      trail: byCarrier.get(String(r.carrier_id)) ?? [],
    }));
  }

  #carrierOf(r: Row): { code: string; name: string; kind: string } {
    return { code: String(r.code), name: String(r.name), kind: String(r.kind) };
  }

  async saveProof(
    tx: Queryable,
    p: {
      deliveryId: string;
      carrierId: string;
      kind: ProofKind;
      ref: string;
      pinChecked: boolean;
      where: Point | undefined;
      at: number;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO delivery_proofs (delivery_id, carrier_id, kind, ref, pin_checked, lat, lon, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [p.deliveryId, p.carrierId, p.kind, p.ref, p.pinChecked, p.where?.lat ?? null, p.where?.lon ?? null, p.at],
    );
  }

  async proof(q: Queryable, deliveryId: string): Promise<{ kind: ProofKind; ref: string; at: number } | undefined> {
    const { rows } = await q.query('SELECT kind, ref, at FROM delivery_proofs WHERE delivery_id = $1', [deliveryId]);
    return rows[0] ? { kind: rows[0].kind as ProofKind, ref: String(rows[0].ref), at: num(rows[0].at) } : undefined;
  }

  /** A new tracking link: its token's hash replaces the old one (the old link stops working). */
  async setTrackingToken(tx: Queryable, deliveryId: string, hash: string): Promise<void> {
    await tx.query('UPDATE deliveries SET tracking_token_hash = $2 WHERE id = $1', [deliveryId, hash]);
  }

  /** The PIN of a new link, its wrong tries forgotten. */
  async savePin(tx: Queryable, deliveryId: string, pinHash: string, now: number): Promise<void> {
    await tx.query(
      `INSERT INTO delivery_pins (delivery_id, pin_hash, wrong_tries, created_at) VALUES ($1, $2, 0, $3)
       ON CONFLICT (delivery_id) DO UPDATE SET pin_hash = excluded.pin_hash, wrong_tries = 0, created_at = excluded.created_at`,
      [deliveryId, pinHash, now],
    );
  }

  async pin(q: Queryable, deliveryId: string): Promise<{ hash: string; wrongTries: number } | undefined> {
    const { rows } = await q.query('SELECT pin_hash, wrong_tries FROM delivery_pins WHERE delivery_id = $1', [
      deliveryId,
    ]);
    return rows[0] ? { hash: String(rows[0].pin_hash), wrongTries: num(rows[0].wrong_tries) } : undefined;
  }

  /** Counts a wrong PIN; returns the tries made so far. */
  async wrongPin(q: Queryable, deliveryId: string): Promise<number> {
    const { rows } = await q.query(
      'UPDATE delivery_pins SET wrong_tries = wrong_tries + 1 WHERE delivery_id = $1 RETURNING wrong_tries',
      [deliveryId],
    );
    return num(rows[0]?.wrong_tries ?? 0);
  }

  async store(q: Queryable, storeId: string): Promise<StorePlace | undefined> {
    const { rows } = await q.query('SELECT id, name, lat, lon, timezone FROM locations WHERE id = $1', [storeId]);
    const r = rows[0];
    return r
      ? { id: String(r.id), name: String(r.name), lat: num(r.lat), lon: num(r.lon), timezone: String(r.timezone) }
      : undefined;
  }
}

const positionOf = (r: Row): Position => ({
  carrierId: String(r.carrier_id),
  lat: num(r.lat),
  lon: num(r.lon),
  at: num(r.at),
  receivedAt: num(r.received_at),
  deliveryId: (r.delivery_id as string | null) ?? null,
});
