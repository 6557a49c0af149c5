import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConflictError, type DeliveryRequest } from '@storefleet/shared';
import { type DbTarget, placeForHub } from '../../../../tests/support/db-targets.js';
import { ADMIN, TestHub } from '../../../../tests/support/test-hub.js';
import { createHub, type HubConfig } from '../../../index.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubModule } from '../../../kernel/module-contract.js';
import { provide, provided } from '../../../kernel/ports.js';
import { DELIVERY_DESK, type DeliveryDesk, type DeliveryOrder } from '../../../kernel/ports/delivery.js';
import {
  CARRIER_NETWORK,
  type CarrierAdapter,
  type CarrierAnswers,
  type CarrierNetwork,
  type OfferSent,
} from '../carriers/carrier.js';
import type { Carrier } from '../types.js';

/** An offer a scripted carrier received, with the hub's answer line. */
export interface Received {
  readonly carrier: Carrier;
  readonly offer: OfferSent;
  readonly answers: CarrierAnswers;
}

/**
 * Carriers a test answers for by hand — the carriers' side of the hub, handed in as the external `CARRIER_NETWORK`
 * exactly as an embedder would hand in a real integration. Every offer the hub sends is kept in `received`.
 */
export class ScriptedCarriers implements CarrierNetwork {
  readonly received: Received[] = [];
  readonly withdrawn: string[] = [];
  readonly cancelled: string[] = [];

  adapterFor(carrier: Carrier): CarrierAdapter {
    return {
      offer: (offer, answers) => void this.received.push({ carrier, offer, answers }),
      withdraw: (offerId) => void this.withdrawn.push(offerId),
      cancel: (deliveryId) => void this.cancelled.push(deliveryId),
    };
  }

  integrationOf() {
    return 'supplied' as const;
  }

  stop(): void {}

  /** The offers for one delivery, in the order they came. */
  for(deliveryId: string): Received[] {
    return this.received.filter((r) => r.offer.deliveryId === deliveryId);
  }

  /** The carrier answers its latest offer for `deliveryId`. */
  answer(deliveryId: string, verdict: 'ACCEPT' | 'DECLINE', note: string | null = null) {
    const r = this.for(deliveryId).at(-1);
    if (!r) throw new Error(`no offer for delivery ${deliveryId} reached a carrier`);
    return r.answers.answer(r.offer.offerId, r.carrier.id, verdict, note, { name: 'Dee R.', vehicle: 'KX12 ABC' });
  }
}

/** A hub whose delivery desk the test can call (the port orders calls), with its carriers scripted or built in. */
export interface DeliveryHub {
  readonly t: TestHub;
  readonly desk: DeliveryDesk;
  /** Head office's session (signed in again when the clock moves: sessions last eight hours). */
  admin: string;
}

/** The hub's modules with the delivery module's desk caught as the hub provides it. */
async function modulesCatchingDesk(caught: { desk?: DeliveryDesk }): Promise<HubModule[]> {
  return (await discoverModules()).map((m) =>
    m.name !== 'delivery'
      ? m
      : {
          ...m,
          provides: (ctx) => {
            const provisions = m.provides!(ctx);
            caught.desk = provided(provisions, DELIVERY_DESK);
            return provisions;
          },
        },
  );
}

export async function deliveryHub(
  target: DbTarget,
  options: { carriers?: CarrierNetwork; config?: Partial<HubConfig> } = {},
): Promise<DeliveryHub> {
  const caught: { desk?: DeliveryDesk } = {};
  const t = await TestHub.start(target, {
    modules: await modulesCatchingDesk(caught),
    ...(options.carriers ? { externals: [provide(CARRIER_NETWORK, options.carriers)] } : {}),
    ...options.config,
  });
  return { t, desk: caught.desk!, admin: await t.login() };
}

/**
 * One database that several hubs open in turn or at once (a restart, two replicas): a folder for PGlite (one hub at a
 * time), on Postgres a fresh database already migrated for the hub's own modules (`placeForHub`). `drop()` removes it
 * at the end.
 */
export async function sharedDatabase(target: DbTarget): Promise<{ readonly target: DbTarget; drop(): Promise<void> }> {
  if (target.name === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'sf-delivery-'));
    return {
      target: { name: 'pglite', open: async () => ({ dataDir: dir, drop: async () => {} }) },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const place = await placeForHub(target);
  return {
    target: { name: 'postgres', open: async () => ({ ...place, drop: async () => {} }) },
    drop: () => place.drop(),
  };
}

/**
 * Starts a hub on a shared database (sharedDatabase), catching its desk like `deliveryHub`. The first hub on it makes
 * the admin; a later one (a restart, a second replica) signs the same admin in.
 */
export async function hubOn(
  shared: { readonly target: DbTarget },
  options: { carriers?: CarrierNetwork; config?: Partial<HubConfig> } = {},
): Promise<DeliveryHub> {
  const place = await shared.target.open();
  const caught: { desk?: DeliveryDesk } = {};
  const clock = { offsetMs: 0 };
  const hub = await createHub({
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    databaseUrl: place.databaseUrl,
    dataDir: place.dataDir,
    now: () => Date.now() + clock.offsetMs,
    modules: await modulesCatchingDesk(caught),
    ...(options.carriers ? { externals: [provide(CARRIER_NETWORK, options.carriers)] } : {}),
    ...options.config,
  });
  await hub.auth.createUser({ ...ADMIN, name: 'Test Admin', role: 'ADMIN' }).catch((err: unknown) => {
    if (!(err instanceof ConflictError)) throw err;
  });
  const url = await hub.start();
  // The harness's TestHub, over this hub (its constructor is private to keep tests on fresh databases; here the
  // database is shared on purpose and dropped by `sharedDatabase`).
  const t = Reflect.construct(TestHub, [hub, url, async () => {}, clock]) as TestHub;
  return { t, desk: caught.desk!, admin: await t.login() };
}

let orderSeq = 10_000;

/**
 * An order for the desk, from `storeId`, to a door `kmEast` km east of `from` (default (40.7, -74), where test stores
 * stand).
 */
export function orderFor(
  storeId: string,
  over: Partial<DeliveryRequest> & {
    kmEast?: number;
    from?: { lat: number; lon: number };
    lines?: DeliveryOrder['lines'];
  } = {},
): DeliveryOrder {
  const { kmEast = 3, from = { lat: 40.7, lon: -74 }, lines = [{ sku: 'MUG', qty: 1 }], ...request } = over;
  orderSeq++;
  return {
    orderId: randomUUID(),
    orderNumber: `SF-${orderSeq}`,
    storeId,
    reservationId: randomUUID(),
    customerName: 'Ann Lee',
    lines,
    request: {
      speed: 'TWO_HOUR',
      address: {
        line1: '1 Main St',
        city: 'Newark',
        postcode: '07102',
        lat: from.lat,
        lon: from.lon + kmEast / (111.32 * Math.cos((from.lat * Math.PI) / 180)),
      },
      ...request,
    } as DeliveryRequest,
  };
}

/** A carrier body for `POST /api/delivery/carriers`; `over` changes any field. */
export function carrierBody(code: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code,
    name: `Carrier ${code}`,
    kind: 'GIG',
    lat: 40.7,
    lon: -74,
    radiusKm: 20,
    capacityGrams: 20_000,
    capacityStops: 5,
    speedKmh: 30,
    costBaseMinor: 400,
    costPerKmMinor: 50,
    ...over,
  };
}

/** Adds carriers through the API as head office would; returns them by code. */
export async function addCarriers(
  h: DeliveryHub,
  bodies: readonly Record<string, unknown>[],
): Promise<Record<string, { id: string; code: string; driverToken: string }>> {
  const out: Record<string, { id: string; code: string; driverToken: string }> = {};
  for (const b of bodies) {
    const r = await h.t.call('POST', '/api/delivery/carriers', b, { cookie: h.admin });
    if (r.status !== 201) throw new Error(`carrier ${String(b.code)}: ${r.status} ${JSON.stringify(r.body)}`);
    out[r.body.code] = r.body;
  }
  return out;
}

/** Puts products in the catalog (weights come from their sizes). */
export async function addProducts(
  h: DeliveryHub,
  items: readonly { sku: string; name: string; category?: string; size?: string }[],
): Promise<void> {
  const r = await h.t.call(
    'POST',
    '/api/catalog/products/import',
    { items: items.map((i) => ({ category: 'Kitchen', priceMinor: 900, ...i })) },
    { cookie: h.admin },
  );
  if (r.status >= 300) throw new Error(`catalog: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A store at (lat, lon) in `timezone`, registered through the API. */
export async function storeAt(
  h: DeliveryHub,
  code: string,
  at: { lat: number; lon: number; timezone?: string },
): Promise<{ id: string; token: string; name: string }> {
  const s = await h.t.store(code, h.admin);
  const r = await h.t.call('PATCH', `/api/locations/${s.id}`, at, { cookie: h.admin });
  if (r.status !== 200) throw new Error(`store ${code}: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...s, name: r.body.name };
}

/** Sets the hub's clock to `at` (epoch ms; time flows on from there) and signs head office in again. */
export async function setClock(h: DeliveryHub, at: number): Promise<void> {
  h.t.clock.offsetMs = at - Date.now();
  h.admin = await h.t.login();
}

/** A delivery as the admin reads it. */
export async function readDelivery(h: DeliveryHub, id: string): Promise<any> {
  const r = await h.t.call('GET', `/api/delivery/deliveries/${id}`, undefined, { cookie: h.admin });
  if (r.status !== 200) throw new Error(`delivery ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
