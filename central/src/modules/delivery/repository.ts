import type { DeliveryRequest } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { Load, Origin } from './promise.js';
import { NO_HISTORY, type Reliability } from './scoring.js';
import type { Carrier, CarrierSimulation, Delivery, Offer, OfferScore, OfferStatus } from './types.js';

/** Statuses in which a carrier is carrying (or about to collect) a delivery: what fills its room. */
export const CARRYING = ['ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING'] as const;

interface CarrierRow {
  id: string;
  code: string;
  name: string;
  kind: Carrier['kind'];
  depot_id: string | null;
  lat: number;
  lon: number;
  radius_km: number;
  capacity_grams: number;
  capacity_stops: number;
  speed_kmh: number;
  shift_start_min: number;
  shift_end_min: number;
  cost_base_minor: number;
  cost_per_km_minor: number;
  grounded: boolean;
  active: boolean;
  simulator: CarrierSimulation | null;
  created_at: number;
  updated_at: number;
}

const CARRIER_COLUMNS = `c.id, c.code, c.name, c.kind, c.depot_id, c.lat, c.lon, c.radius_km, c.capacity_grams,
  c.capacity_stops, c.speed_kmh, c.shift_start_min, c.shift_end_min, c.cost_base_minor, c.cost_per_km_minor,
  c.grounded, c.active, c.simulator, c.created_at, c.updated_at`;

const toCarrier = (r: CarrierRow): Carrier => ({
  id: r.id,
  code: r.code,
  name: r.name,
  kind: r.kind,
  depotId: r.depot_id,
  lat: r.lat,
  lon: r.lon,
  radiusKm: r.radius_km,
  capacityGrams: r.capacity_grams,
  capacityStops: r.capacity_stops,
  speedKmh: r.speed_kmh,
  shiftStartMin: r.shift_start_min,
  shiftEndMin: r.shift_end_min,
  costBaseMinor: r.cost_base_minor,
  costPerKmMinor: r.cost_per_km_minor,
  grounded: r.grounded,
  active: r.active,
  simulator: r.simulator,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface DeliveryRow {
  id: string;
  order_id: string;
  order_number: string;
  store_id: string;
  reservation_id: string;
  customer_name: string;
  request: DeliveryRequest;
  lines: { sku: string; qty: number }[];
  weight_grams: number;
  age_restricted: boolean;
  window_from: number;
  window_to: number;
  status: Delivery['status'];
  carrier_id: string | null;
  driver: { name: string; vehicle: string } | null;
  collect_by: number | null;
  eta: number | null;
  failure: string | null;
  version: number;
  created_at: number;
  updated_at: number;
}

const DELIVERY_COLUMNS = `id, order_id, order_number, store_id, reservation_id, customer_name, request, lines,
  weight_grams, age_restricted, window_from, window_to, status, carrier_id, driver, collect_by, eta, failure, version,
  created_at, updated_at`;

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  orderId: r.order_id,
  orderNumber: r.order_number,
  storeId: r.store_id,
  reservationId: r.reservation_id,
  customerName: r.customer_name,
  request: r.request,
  lines: r.lines,
  weightGrams: r.weight_grams,
  ageRestricted: r.age_restricted,
  window: { from: r.window_from, to: r.window_to },
  status: r.status,
  carrierId: r.carrier_id,
  driver: r.driver,
  collectBy: r.collect_by,
  eta: r.eta,
  failure: r.failure,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface OfferRow {
  id: string;
  delivery_id: string;
  carrier_id: string;
  rank: number;
  score: OfferScore;
  status: OfferStatus;
  offered_at: number;
  expires_at: number;
  answered_at: number | null;
  note: string | null;
}

const toOffer = (r: OfferRow): Offer => ({
  id: r.id,
  deliveryId: r.delivery_id,
  carrierId: r.carrier_id,
  rank: r.rank,
  score: r.score,
  status: r.status,
  offeredAt: r.offered_at,
  expiresAt: r.expires_at,
  answeredAt: r.answered_at,
  note: r.note,
});

/** One line of a delivery's timeline. */
export interface DeliveryEvent {
  readonly seq: number;
  readonly at: number;
  readonly kind: string;
  readonly detail: Record<string, unknown> | null;
}

/** A carrier with what it already carries, as the assignment weighs it. */
export interface CarrierWithLoad {
  readonly carrier: Carrier;
  readonly load: Load;
}

/** The points a candidate carrier must reach, and how loosely to look (see `candidates`). */
export interface Reach {
  /** With its id, the prefilter keeps only vans of this depot (a van serves its own depot's deliveries alone). */
  readonly store: { readonly lat: number; readonly lon: number; readonly id?: string };
  readonly door: { readonly lat: number; readonly lon: number };
  readonly weightGrams: number;
}

export type CarrierPatch = Partial<
  Pick<
    Carrier,
    | 'name'
    | 'active'
    | 'grounded'
    | 'shiftStartMin'
    | 'shiftEndMin'
    | 'capacityGrams'
    | 'capacityStops'
    | 'radiusKm'
    | 'speedKmh'
    | 'costBaseMinor'
    | 'costPerKmMinor'
    | 'simulator'
  >
>;

const PATCH_COLUMNS: Record<keyof CarrierPatch, string> = {
  name: 'name',
  active: 'active',
  grounded: 'grounded',
  shiftStartMin: 'shift_start_min',
  shiftEndMin: 'shift_end_min',
  capacityGrams: 'capacity_grams',
  capacityStops: 'capacity_stops',
  radiusKm: 'radius_km',
  speedKmh: 'speed_kmh',
  costBaseMinor: 'cost_base_minor',
  costPerKmMinor: 'cost_per_km_minor',
  simulator: 'simulator',
};

/** Km in a degree of latitude, rounded down (111.19): the coarse box is never tighter than the exact distance. */
const KM_PER_DEG = 111;

/** All SQL of the delivery module's carriers, deliveries, offers and timelines. */
export class DeliveryRepository {
  constructor(readonly db: Queryable) {}

  // ── locations (the fleet's table: stores and DCs are depots and origins) ──

  async origin(id: string): Promise<(Origin & { readonly kind: 'STORE' | 'DC'; readonly code: string }) | undefined> {
    const { rows } = await this.db.query<Origin & { kind: 'STORE' | 'DC'; code: string }>(
      'SELECT id, code, name, kind, lat, lon, timezone FROM locations WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  // ── carriers ──

  async insertCarrier(c: Carrier, tokenHash: string): Promise<Carrier> {
    const { rows } = await this.db.query<CarrierRow>(
      `INSERT INTO delivery_carriers AS c (id, code, name, kind, depot_id, lat, lon, radius_km, capacity_grams,
         capacity_stops, speed_kmh, shift_start_min, shift_end_min, cost_base_minor, cost_per_km_minor, grounded,
         active, driver_token_hash, simulator, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb, $20, $20)
       ON CONFLICT (code) DO NOTHING RETURNING ${CARRIER_COLUMNS}`,
      [
        c.id,
        c.code,
        c.name,
        c.kind,
        c.depotId,
        c.lat,
        c.lon,
        c.radiusKm,
        c.capacityGrams,
        c.capacityStops,
        c.speedKmh,
        c.shiftStartMin,
        c.shiftEndMin,
        c.costBaseMinor,
        c.costPerKmMinor,
        c.grounded,
        c.active,
        tokenHash,
        c.simulator === null ? null : JSON.stringify(c.simulator),
        c.createdAt,
      ],
    );
    return rows.map(toCarrier)[0]!;
  }

  async carrier(id: string, lock = false): Promise<Carrier | undefined> {
    const { rows } = await this.db.query<CarrierRow>(
      `SELECT ${CARRIER_COLUMNS} FROM delivery_carriers c WHERE c.id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    return rows.map(toCarrier)[0];
  }

  async carriersByIds(ids: readonly string[]): Promise<Map<string, Carrier>> {
    if (!ids.length) return new Map();
    const { rows } = await this.db.query<CarrierRow>(
      `SELECT ${CARRIER_COLUMNS} FROM delivery_carriers c WHERE c.id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, toCarrier(r)]));
  }

  /** Carriers in code order, after `afterCode`. */
  async carriers(filter: {
    readonly kind?: Carrier['kind'] | undefined;
    readonly active?: boolean | undefined;
    readonly depotId?: string | undefined;
    readonly afterCode?: string | undefined;
    readonly limit: number;
  }): Promise<Carrier[]> {
    const { rows } = await this.db.query<CarrierRow>(
      `SELECT ${CARRIER_COLUMNS} FROM delivery_carriers c
       WHERE ($1::text IS NULL OR c.kind = $1) AND ($2::boolean IS NULL OR c.active = $2)
         AND ($3::uuid IS NULL OR c.depot_id = $3) AND ($4::text IS NULL OR c.code > $4)
       ORDER BY c.code LIMIT $5`,
      [filter.kind ?? null, filter.active ?? null, filter.depotId ?? null, filter.afterCode ?? null, filter.limit],
    );
    return rows.map(toCarrier);
  }

  async updateCarrier(id: string, patch: CarrierPatch, now: number): Promise<Carrier | undefined> {
    const keys = (Object.keys(patch) as (keyof CarrierPatch)[]).filter((k) => patch[k] !== undefined);
    const sets = keys.map((k, i) => `${PATCH_COLUMNS[k]} = $${i + 3}${k === 'simulator' ? '::jsonb' : ''}`);
    const values = keys.map((k) =>
      k === 'simulator' ? (patch.simulator === null ? null : JSON.stringify(patch.simulator)) : patch[k],
    );
    const { rows } = await this.db.query<CarrierRow>(
      `UPDATE delivery_carriers c SET ${[...sets, 'updated_at = greatest($2, c.updated_at + 1)'].join(', ')}
       WHERE c.id = $1 RETURNING ${CARRIER_COLUMNS}`,
      [id, now, ...values],
    );
    return rows.map(toCarrier)[0];
  }

  async setDriverTokenHash(id: string, hash: string, now: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE delivery_carriers SET driver_token_hash = $2, updated_at = greatest($3, updated_at + 1) WHERE id = $1',
      [id, hash, now],
    );
    return rowCount > 0;
  }

  /** What carrier `id` carries now (deliveries assigned and not yet at the door). */
  async loadOf(id: string): Promise<Load> {
    const { rows } = await this.db.query<{ stops: number; grams: number }>(
      `SELECT count(*)::int AS stops, COALESCE(sum(weight_grams), 0)::bigint AS grams FROM deliveries
       WHERE carrier_id = $1 AND status = ANY($2::text[])`,
      [id, CARRYING],
    );
    return rows[0] ?? { stops: 0, grams: 0 };
  }

  /**
   * The active carriers that might keep a delivery, each with its load. With `prefilter`, only those not grounded,
   * serving the store (a van only its depot's), able to carry the weight and whose area's box holds both the store
   * and the door (the exact distance is checked after; longitudes are compared the short way round, so 179.99° and
   * -179.99° lie 0.02° apart across the 180th meridian); without, every active carrier (the promise's refusal
   * sentence weighs them all; the benchmark's anchor).
   * `notOfferedFor`: leaves out the carriers already offered this delivery.
   */
  async candidates(reach: Reach, prefilter: boolean, notOfferedFor: string | null): Promise<CarrierWithLoad[]> {
    // A degree of longitude spans cos(latitude) × 111 km; measured 5° nearer the pole, the box only grows. Within 5°
    // of a pole an area may hold the pole itself, and so every longitude: there the box leaves longitude alone (0 km
    // a degree) and the exact distance decides.
    const lonKm = (lat: number) =>
      Math.abs(lat) + 5 >= 90 ? 0 : KM_PER_DEG * Math.cos(((Math.abs(lat) + 5) * Math.PI) / 180);
    const { rows } = await this.db.query<CarrierRow & { load_stops: number; load_grams: number }>(
      `SELECT ${CARRIER_COLUMNS}, COALESCE(l.stops, 0)::int AS load_stops, COALESCE(l.grams, 0)::bigint AS load_grams
       FROM delivery_carriers c
       LEFT JOIN LATERAL (SELECT count(*) AS stops, sum(d.weight_grams) AS grams FROM deliveries d
                          WHERE d.carrier_id = c.id AND d.status = ANY($9::text[])) l ON true
       WHERE c.active
         AND (NOT $1::boolean OR (NOT c.grounded AND c.capacity_grams >= $2
           AND abs(c.lat - $3) * ${KM_PER_DEG} <= c.radius_km AND abs(c.lat - $5) * ${KM_PER_DEG} <= c.radius_km
           AND least(abs(c.lon - $4), 360 - abs(c.lon - $4)) * $7 <= c.radius_km
           AND least(abs(c.lon - $6), 360 - abs(c.lon - $6)) * $8 <= c.radius_km
           AND (c.kind <> 'VAN' OR $11::uuid IS NULL OR c.depot_id = $11)))
         AND ($10::uuid IS NULL OR NOT EXISTS
           (SELECT 1 FROM delivery_offers o WHERE o.delivery_id = $10 AND o.carrier_id = c.id))`,
      [
        prefilter,
        reach.weightGrams,
        reach.store.lat,
        reach.store.lon,
        reach.door.lat,
        reach.door.lon,
        lonKm(reach.store.lat),
        lonKm(reach.door.lat),
        CARRYING,
        notOfferedFor,
        reach.store.id ?? null,
      ],
    );
    return rows.map((r) => ({ carrier: toCarrier(r), load: { stops: r.load_stops, grams: r.load_grams } }));
  }

  /**
   * Each carrier's last 30 days (since `since`): offers answered or timed out and how many accepted (an accepted run
   * whose driver dropped out counts as declined), deliveries finished, on time (delivered by the window's close, by
   * the DELIVERED timeline event, else the row's last change) and failed.
   */
  async reliability(ids: readonly string[], since: number): Promise<Map<string, Reliability>> {
    const out = new Map<string, Reliability>(ids.map((id) => [id, NO_HISTORY]));
    if (!ids.length) return out;
    const { rows } = await this.db.query<{ id: string } & Reliability>(
      `WITH o AS (
         SELECT carrier_id,
                count(*) FILTER (WHERE status IN ('ACCEPTED', 'DECLINED', 'TIMED_OUT'))::int AS offers,
                count(*) FILTER (WHERE status = 'ACCEPTED')::int AS accepted
         FROM delivery_offers WHERE carrier_id = ANY($1::uuid[]) AND answered_at >= $2 GROUP BY carrier_id),
       d AS (
         SELECT d.carrier_id,
                count(*) FILTER (WHERE d.status IN ('DELIVERED', 'FAILED', 'RETURNING', 'RETURNED'))::int AS finished,
                count(*) FILTER (WHERE d.status = 'DELIVERED' AND COALESCE(
                  (SELECT min(e.at) FROM delivery_events e WHERE e.delivery_id = d.id AND upper(e.kind) = 'DELIVERED'),
                  d.updated_at) <= d.window_to)::int AS on_time,
                count(*) FILTER (WHERE d.status IN ('FAILED', 'RETURNING', 'RETURNED'))::int AS failed
         FROM deliveries d WHERE d.carrier_id = ANY($1::uuid[]) AND d.updated_at >= $2 GROUP BY d.carrier_id)
       SELECT x.id, COALESCE(o.offers, 0) AS offers, COALESCE(o.accepted, 0) AS accepted,
              COALESCE(d.finished, 0) AS finished, COALESCE(d.on_time, 0) AS "onTime", COALESCE(d.failed, 0) AS failed
       FROM unnest($1::uuid[]) AS x(id) LEFT JOIN o ON o.carrier_id = x.id LEFT JOIN d ON d.carrier_id = x.id`,
      [ids, since],
    );
    for (const r of rows)
      out.set(r.id, {
        offers: r.offers,
        accepted: r.accepted,
        finished: r.finished,
        onTime: r.onTime,
        failed: r.failed,
      });
    return out;
  }

  // ── deliveries ──

  /** Inserts the delivery unless its order has one; returns the one the order has (new or old) and whether it is new. */
  async insertDelivery(d: Delivery): Promise<{ delivery: Delivery; created: boolean }> {
    const { rows } = await this.db.query<DeliveryRow>(
      `INSERT INTO deliveries (id, order_id, order_number, store_id, reservation_id, customer_name, request, lines,
         weight_grams, age_restricted, window_from, window_to, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $14)
       ON CONFLICT (order_id) DO NOTHING RETURNING ${DELIVERY_COLUMNS}`,
      [
        d.id,
        d.orderId,
        d.orderNumber,
        d.storeId,
        d.reservationId,
        d.customerName,
        JSON.stringify(d.request),
        JSON.stringify(d.lines),
        d.weightGrams,
        d.ageRestricted,
        d.window.from,
        d.window.to,
        d.status,
        d.createdAt,
      ],
    );
    if (rows[0]) return { delivery: toDelivery(rows[0]), created: true };
    return { delivery: (await this.byOrder(d.orderId, true))!, created: false };
  }

  async delivery(id: string, lock = false): Promise<Delivery | undefined> {
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    return rows.map(toDelivery)[0];
  }

  async byOrder(orderId: string, lock = false): Promise<Delivery | undefined> {
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE order_id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`,
      [orderId],
    );
    return rows.map(toDelivery)[0];
  }

  /** Deliveries newest first, before the id `before`. */
  async deliveries(filter: {
    readonly storeId?: string | undefined;
    readonly statuses?: readonly Delivery['status'][] | undefined;
    readonly carrierId?: string | undefined;
    readonly before?: string | undefined;
    readonly limit: number;
  }): Promise<Delivery[]> {
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries
       WHERE ($1::uuid IS NULL OR store_id = $1) AND ($2::text[] IS NULL OR status = ANY($2::text[]))
         AND ($3::uuid IS NULL OR carrier_id = $3) AND ($4::uuid IS NULL OR id < $4)
       ORDER BY id DESC LIMIT $5`,
      [
        filter.storeId ?? null,
        filter.statuses?.length ? filter.statuses : null,
        filter.carrierId ?? null,
        filter.before ?? null,
        filter.limit,
      ],
    );
    return rows.map(toDelivery);
  }

  /** Changes a delivery's state; bumps its version. */
  async setDelivery(
    id: string,
    change: Pick<Delivery, 'status'> &
      Partial<Pick<Delivery, 'carrierId' | 'driver' | 'collectBy' | 'eta' | 'failure'>>,
    now: number,
  ): Promise<Delivery> {
    const has = (k: string) => Object.hasOwn(change, k);
    const { rows } = await this.db.query<DeliveryRow>(
      `UPDATE deliveries SET status = $2,
         carrier_id = CASE WHEN $3 THEN $4::uuid ELSE carrier_id END,
         driver = CASE WHEN $5 THEN $6::jsonb ELSE driver END,
         collect_by = CASE WHEN $7 THEN $8::bigint ELSE collect_by END,
         eta = CASE WHEN $9 THEN $10::bigint ELSE eta END,
         failure = CASE WHEN $11 THEN $12::text ELSE failure END,
         version = version + 1, updated_at = greatest($13, updated_at + 1)
       WHERE id = $1 RETURNING ${DELIVERY_COLUMNS}`,
      [
        id,
        change.status,
        has('carrierId'),
        change.carrierId ?? null,
        has('driver'),
        change.driver ? JSON.stringify(change.driver) : null,
        has('collectBy'),
        change.collectBy ?? null,
        has('eta'),
        change.eta ?? null,
        has('failure'),
        change.failure ?? null,
        now,
      ],
    );
    return toDelivery(rows[0]!);
  }

  /** The deliveries a carrier has accepted and not yet collected (ASSIGNED), oldest window first. */
  async assignedTo(carrierId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      "SELECT id FROM deliveries WHERE carrier_id = $1 AND status = 'ASSIGNED' ORDER BY window_to",
      [carrierId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * ASSIGNED deliveries whose carrier — a gig driver, DSP or drone — is off duty or grounded: they wait at the store
   * for nobody (vans are the route planner's: it moves their deliveries to the depot's other vans). Oldest first.
   */
  async abandoned(limit: number): Promise<{ deliveryId: string; carrierId: string }[]> {
    const { rows } = await this.db.query<{ id: string; carrier_id: string }>(
      `SELECT d.id, d.carrier_id FROM deliveries d JOIN delivery_carriers c ON c.id = d.carrier_id
       WHERE d.status = 'ASSIGNED' AND c.kind <> 'VAN' AND (NOT c.active OR c.grounded)
       ORDER BY d.window_to LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ deliveryId: r.id, carrierId: r.carrier_id }));
  }

  /** REQUESTED deliveries with no open offer (a carrier made unavailable took its offer with it), oldest first. */
  async stranded(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT d.id FROM deliveries d WHERE d.status = 'REQUESTED'
         AND NOT EXISTS (SELECT 1 FROM delivery_offers o WHERE o.delivery_id = d.id AND o.status = 'PENDING')
       ORDER BY d.window_to LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  // ── timeline ──

  async addEvent(deliveryId: string, at: number, kind: string, detail: Record<string, unknown>): Promise<void> {
    await this.db.query('INSERT INTO delivery_events (delivery_id, at, kind, detail) VALUES ($1, $2, $3, $4::jsonb)', [
      deliveryId,
      at,
      kind,
      JSON.stringify(detail),
    ]);
  }

  async events(deliveryId: string): Promise<DeliveryEvent[]> {
    const { rows } = await this.db.query<DeliveryEvent>(
      'SELECT seq, at, kind, detail FROM delivery_events WHERE delivery_id = $1 ORDER BY seq',
      [deliveryId],
    );
    return rows;
  }

  // ── offers ──

  async insertOffer(o: Offer): Promise<Offer> {
    await this.db.query(
      `INSERT INTO delivery_offers (id, delivery_id, carrier_id, rank, score, status, offered_at, expires_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)`,
      [o.id, o.deliveryId, o.carrierId, o.rank, JSON.stringify(o.score), o.status, o.offeredAt, o.expiresAt],
    );
    return o;
  }

  async offer(id: string, lock = false): Promise<Offer | undefined> {
    const { rows } = await this.db.query<OfferRow>(
      `SELECT * FROM delivery_offers WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    return rows.map(toOffer)[0];
  }

  async offersOf(deliveryId: string): Promise<Offer[]> {
    const { rows } = await this.db.query<OfferRow>(
      'SELECT * FROM delivery_offers WHERE delivery_id = $1 ORDER BY rank',
      [deliveryId],
    );
    return rows.map(toOffer);
  }

  async pendingOffer(deliveryId: string): Promise<Offer | undefined> {
    const { rows } = await this.db.query<OfferRow>(
      "SELECT * FROM delivery_offers WHERE delivery_id = $1 AND status = 'PENDING'",
      [deliveryId],
    );
    return rows.map(toOffer)[0];
  }

  async acceptedOffer(deliveryId: string): Promise<Offer | undefined> {
    const { rows } = await this.db.query<OfferRow>(
      "SELECT * FROM delivery_offers WHERE delivery_id = $1 AND status = 'ACCEPTED'",
      [deliveryId],
    );
    return rows.map(toOffer)[0];
  }

  /** How many carriers this delivery was offered to, and whether one offer is open. */
  async offerTally(deliveryId: string): Promise<{ asked: number; open: boolean }> {
    const { rows } = await this.db.query<{ asked: number; open: number }>(
      `SELECT count(*)::int AS asked, count(*) FILTER (WHERE status = 'PENDING')::int AS open
       FROM delivery_offers WHERE delivery_id = $1`,
      [deliveryId],
    );
    return { asked: rows[0]?.asked ?? 0, open: (rows[0]?.open ?? 0) > 0 };
  }

  /** Ends an offer that is still `from`; undefined when it was not (answered, timed out or withdrawn meanwhile). */
  async closeOffer(
    id: string,
    from: OfferStatus,
    to: OfferStatus,
    at: number,
    note: string | null,
  ): Promise<Offer | undefined> {
    const { rows } = await this.db.query<OfferRow>(
      `UPDATE delivery_offers SET status = $3, answered_at = $4, note = $5 WHERE id = $1 AND status = $2 RETURNING *`,
      [id, from, to, at, note],
    );
    return rows.map(toOffer)[0];
  }

  /** Open offers past their answer time, soonest first. */
  async dueOffers(now: number, limit: number): Promise<{ id: string; deliveryId: string }[]> {
    const { rows } = await this.db.query<{ id: string; delivery_id: string }>(
      `SELECT id, delivery_id FROM delivery_offers WHERE status = 'PENDING' AND expires_at <= $1
       ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({ id: r.id, deliveryId: r.delivery_id }));
  }

  /** Every open offer with its delivery (a hub starting hands them to its carriers again). */
  async openOffers(limit: number): Promise<{ offer: Offer; delivery: Delivery }[]> {
    const { rows } = await this.db.query<{ o: OfferRow; d: DeliveryRow }>(
      `SELECT to_jsonb(o) AS o, to_jsonb(d) AS d FROM delivery_offers o JOIN deliveries d ON d.id = o.delivery_id
       WHERE o.status = 'PENDING' ORDER BY o.expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ offer: toOffer(r.o), delivery: toDelivery(r.d) }));
  }

  /** Deliveries with an open offer to this carrier. */
  async pendingFor(carrierId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ delivery_id: string }>(
      "SELECT delivery_id FROM delivery_offers WHERE carrier_id = $1 AND status = 'PENDING'",
      [carrierId],
    );
    return rows.map((r) => r.delivery_id);
  }

  /** How many deliveries `deskCopies` finds for this store. */
  async deskCount(storeId: string, desk: DeskRows): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE ${DESK_ROWS}`,
      [storeId, desk.statuses, desk.since],
    );
    return rows[0]!.n;
  }

  /**
   * The deliveries leaving from `storeId` its delivery desk may show — those in `desk.statuses`, and any whose window
   * ends or that changed after `desk.since` — with ids after `after` (compared as text: any cursor a caller sends is
   * safe), in that order, each with its carrier's kind and name; every one when `limit` is null.
   */
  async deskCopies(
    storeId: string,
    desk: DeskRows,
    after: string | null,
    limit: number | null,
  ): Promise<{ delivery: Delivery; carrier: Pick<Carrier, 'kind' | 'name'> | null }[]> {
    const { rows } = await this.db.query<
      DeliveryRow & { carrier_kind: Carrier['kind'] | null; carrier_name: string | null }
    >(
      `SELECT d.*, c.kind AS carrier_kind, c.name AS carrier_name
       FROM (SELECT ${DELIVERY_COLUMNS} FROM deliveries
             WHERE ${DESK_ROWS} AND ($4::text IS NULL OR id::text COLLATE "C" > $4::text COLLATE "C")
             ORDER BY id::text COLLATE "C" LIMIT $5) d
       LEFT JOIN delivery_carriers c ON c.id = d.carrier_id
       ORDER BY d.id::text COLLATE "C"`,
      [storeId, desk.statuses, desk.since, after, limit],
    );
    return rows.map((r) => ({
      delivery: toDelivery(r),
      carrier: r.carrier_kind && r.carrier_name ? { kind: r.carrier_kind, name: r.carrier_name } : null,
    }));
  }
}

/** Which of a store's deliveries its desk may show (see `deskCopies`). */
export interface DeskRows {
  readonly statuses: readonly Delivery['status'][];
  readonly since: number;
}
const DESK_ROWS = 'store_id = $1 AND (status = ANY($2::text[]) OR window_to >= $3 OR updated_at >= $3)';
