import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { uuidv7 } from '@storefleet/shared';
import type { TestHub } from '../../../../tests/support/test-hub.js';

/**
 * Tracking's tests stand on carriers and deliveries as the hub keeps them (schema/001_init.sql), written here row by
 * row: what an assignment leaves behind (an ASSIGNED delivery with its carrier and driver), so the tests reach the
 * drivers' socket, the store's hand-over and the customer's page without the assignment's offers and timers.
 */

/** Riverside's front door is at (40.7, -74): the stores the harness registers all stand there. */
export const STORE_AT = { lat: 40.7, lon: -74 };
/** About 2 km north of the store. */
export const DOOR_AT = { lat: 40.718, lon: -74 };

export interface TrackingWorld {
  readonly admin: string;
  readonly a: { id: string; token: string };
  readonly b: { id: string; token: string };
}

export async function trackingWorld(t: TestHub): Promise<TrackingWorld> {
  const admin = await t.login();
  const a = await t.store(`TRK-A-${randomBytes(3).toString('hex')}`, admin);
  const b = await t.store(`TRK-B-${randomBytes(3).toString('hex')}`, admin);
  for (const [s, name] of [
    [a, 'Riverside'],
    [b, 'Hillside'],
  ] as const) {
    const r = await t.call(
      'PATCH',
      `/api/locations/${s.id}`,
      { name, timezone: 'America/New_York' },
      { cookie: admin },
    );
    if (r.status !== 200) throw new Error(`fixture: store ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return { admin, a, b };
}

export interface CarrierRow {
  readonly id: string;
  readonly code: string;
  /** The driver app's token (`drv_…`); the row keeps its sha-256. */
  readonly token: string;
}

export async function addCarrier(
  t: TestHub,
  o: {
    code?: string;
    kind?: 'VAN' | 'GIG' | 'DSP' | 'DRONE';
    speedKmh?: number;
    failRate?: number;
    active?: boolean;
    at?: { lat: number; lon: number };
  } = {},
): Promise<CarrierRow> {
  const id = uuidv7();
  const token = `drv_${randomBytes(24).toString('base64url')}`;
  const code = o.code ?? `GIG-${randomBytes(3).toString('hex').toUpperCase()}`;
  const at = o.at ?? STORE_AT;
  const now = Date.now();
  await t.hub.db.query(
    `INSERT INTO delivery_carriers (id, code, name, kind, lat, lon, radius_km, capacity_grams, capacity_stops, speed_kmh,
       active, driver_token_hash, simulator, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 20, 50000, 10, $7, $8, $9, $10, $11, $11)`,
    [
      id,
      code,
      `Carrier ${code}`,
      o.kind ?? 'GIG',
      at.lat,
      at.lon,
      o.speedKmh ?? 30,
      o.active ?? true,
      createHash('sha256').update(token).digest('hex'),
      JSON.stringify({ acceptRate: 1, answerMs: [0, 0], silentRate: 0, dropOutRate: 0, failRate: o.failRate ?? 0 }),
      now,
    ],
  );
  return { id, code, token };
}

let orderNumbers = 10480;

export interface DeliveryRow {
  readonly id: string;
  readonly orderId: string;
  readonly orderNumber: string;
}

export async function addDelivery(
  t: TestHub,
  o: {
    storeId: string;
    carrierId?: string | null;
    status?: string;
    door?: { lat: number; lon: number };
    ageRestricted?: boolean;
    window?: { from: number; to: number };
    customerName?: string;
    driver?: { name: string; vehicle: string } | null;
  },
): Promise<DeliveryRow> {
  const id = uuidv7();
  const orderId = randomUUID();
  const orderNumber = `SF-${++orderNumbers}${randomBytes(2).readUInt16BE(0) % 100}`;
  const door = o.door ?? DOOR_AT;
  const now = Date.now();
  const window = o.window ?? { from: now, to: now + 2 * 3_600_000 };
  const request = {
    speed: 'TWO_HOUR',
    address: { line1: '12 Orchard Lane', city: 'Riverton', postcode: 'RV1 2AB', lat: door.lat, lon: door.lon },
    phone: '+1 555 0100',
  };
  await t.hub.db.query(
    `INSERT INTO deliveries (id, order_id, order_number, store_id, reservation_id, customer_name, request, lines,
       weight_grams, age_restricted, window_from, window_to, status, carrier_id, driver, collect_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1200, $9, $10, $11, $12, $13, $14, $15, $16, $16)`,
    [
      id,
      orderId,
      orderNumber,
      o.storeId,
      randomUUID(),
      o.customerName ?? 'Ann Lee',
      JSON.stringify(request),
      JSON.stringify([{ sku: 'OAT-1L', qty: 2 }]),
      o.ageRestricted ?? false,
      window.from,
      window.to,
      o.status ?? 'ASSIGNED',
      o.carrierId ?? null,
      o.driver === undefined
        ? JSON.stringify({ name: 'Sam Driver', vehicle: 'VAN AB12 CDE' })
        : o.driver && JSON.stringify(o.driver),
      o.carrierId ? now + 15 * 60_000 : null,
      now,
    ],
  );
  return { id, orderId, orderNumber };
}

/** The delivery's row as tracking left it. */
export async function deliveryRow(t: TestHub, id: string) {
  const { rows } = await t.hub.db.query<{
    status: string;
    eta: number | null;
    failure: string | null;
    version: number;
  }>('SELECT status, eta, failure, version FROM deliveries WHERE id = $1', [id]);
  return rows[0]!;
}

/** The delivery's timeline kinds, in order. */
export async function timeline(t: TestHub, id: string): Promise<string[]> {
  const { rows } = await t.hub.db.query<{ kind: string }>(
    'SELECT kind FROM delivery_events WHERE delivery_id = $1 ORDER BY seq',
    [id],
  );
  return rows.map((r) => r.kind);
}

/** The entries of a store's feed of these types, oldest first. */
export async function feedOf(t: TestHub, storeId: string, type: string) {
  const { rows } = await t.hub.db.query<{ payload: Record<string, unknown> }>(
    'SELECT payload FROM sync_feed WHERE store_id = $1 AND type = $2 ORDER BY seq',
    [storeId, type],
  );
  return rows.map((r) => r.payload);
}
