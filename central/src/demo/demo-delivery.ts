/**
 * The demo's deliveries (issue #18): carriers for the demo's stores — an in-house van at each store and two at the
 * distribution centre, gig drivers, a delivery partner (DSP) and two drones at the first store, one grounded by the
 * weather — added through the hub's API once (found by code on a restart); a handful of DELIVERY orders placed through
 * `POST /api/orders` with fixed placeKeys; and a driver app simulated for every carrier, connected to the hub's drivers'
 * socket with its token (kept in the data folder, 0600; a carrier whose token was lost gets a new one). Drivers drive
 * to the store and wait there until the store's delivery desk hands the bag over, then drive to the door.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DriverSimulator, type DriverSimulatorOptions } from '../modules/delivery/tracking/driver-simulator.js';
import { untrustedCertificateCode } from '../../../store-node/src/hub-link/pinned-fetch.js';
import type { CatalogRow } from './demo-seed.js';
import type { DemoStore } from './demo-stores.js';

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/** The POST /api/delivery/carriers body (the fields the demo sets). */
interface DemoCarrier {
  readonly code: string;
  readonly name: string;
  readonly kind: 'VAN' | 'GIG' | 'DSP' | 'DRONE';
  readonly depotId?: string;
  readonly lat?: number;
  readonly lon?: number;
  readonly radiusKm: number;
  readonly capacityGrams: number;
  readonly capacityStops: number;
  readonly speedKmh: number;
  readonly costBaseMinor: number;
  readonly costPerKmMinor: number;
  readonly grounded?: boolean;
  readonly simulator?: {
    acceptRate: number;
    answerMs: [number, number];
    silentRate: number;
    dropOutRate: number;
    failRate: number;
  };
}

/** Gig drivers and the DSP answer within seconds in the demo (the defaults take up to 20 s), and decline now and then. */
const QUICK = (acceptRate: number, failRate: number) => ({
  acceptRate,
  answerMs: [1_500, 6_000] as [number, number],
  silentRate: 0.05,
  dropOutRate: 0.02,
  failRate,
});

/** A point `km` east and `kmNorth` north of (lat, lon), rounded to ~1 m. */
function offset(lat: number, lon: number, kmEast: number, kmNorth: number): { lat: number; lon: number } {
  const round = (x: number) => Math.round(x * 1e5) / 1e5;
  return {
    lat: round(lat + kmNorth / 111.195),
    lon: round(lon + kmEast / (111.195 * Math.cos((lat * Math.PI) / 180))),
  };
}

/** The demo's carriers for these stores and this distribution centre. */
export function demoCarriers(
  stores: readonly (DemoStore & { readonly storeId: string })[],
  dc: { readonly id: string },
): DemoCarrier[] {
  const first = stores[0]!;
  const second = stores[1] ?? first;
  const vans = stores.map(
    (s): DemoCarrier => ({
      code: `VAN-${s.code}-1`,
      name: `${s.name} van 1`,
      kind: 'VAN',
      depotId: s.storeId,
      radiusKm: 25,
      capacityGrams: 800_000,
      capacityStops: 30,
      speedKmh: 30,
      costBaseMinor: 250,
      costPerKmMinor: 40,
    }),
  );
  const dcVans = [1, 2].map(
    (n): DemoCarrier => ({
      code: `VAN-DC1-${n}`,
      name: `Secaucus DC van ${n}`,
      kind: 'VAN',
      depotId: dc.id,
      radiusKm: 60,
      capacityGrams: 1_200_000,
      capacityStops: 40,
      speedKmh: 35,
      costBaseMinor: 400,
      costPerKmMinor: 45,
    }),
  );
  const gig = (code: string, name: string, s: DemoStore, east: number, north: number): DemoCarrier => ({
    code,
    name,
    kind: 'GIG',
    ...offset(s.lat, s.lon, east, north),
    radiusKm: 8,
    capacityGrams: 25_000,
    capacityStops: 4,
    speedKmh: 25,
    costBaseMinor: 450,
    costPerKmMinor: 60,
    simulator: QUICK(0.75, 0.08),
  });
  return [
    ...vans,
    ...dcVans,
    gig('GIG-0001', 'Gig driver Dana', first, 1.2, 0.8),
    gig('GIG-0002', 'Gig driver Eli', second, -0.9, 1.1),
    gig('GIG-0003', 'Gig driver Femi', first, 0.4, -1.3),
    {
      code: 'DSP-SWIFT',
      name: 'Swift Couriers',
      kind: 'DSP',
      lat: first.lat,
      lon: first.lon,
      radiusKm: 60,
      capacityGrams: 1_500_000,
      capacityStops: 60,
      speedKmh: 30,
      costBaseMinor: 690,
      costPerKmMinor: 35,
      simulator: QUICK(0.9, 0.03),
    },
    ...[1, 2].map(
      (n): DemoCarrier => ({
        code: `DRONE-${first.code}-${n}`,
        name: `${first.name} drone ${n}`,
        kind: 'DRONE',
        depotId: first.storeId,
        radiusKm: 6,
        capacityGrams: 2_500,
        capacityStops: 1,
        speedKmh: 60,
        costBaseMinor: 300,
        costPerKmMinor: 20,
        grounded: n === 2, // high winds over the second one's launch pad
      }),
    ),
  ];
}

/** Products a driver can hand over without an ID check, and light enough for a drone now and then. */
const EVERYDAY = ['Pantry', 'Snacks', 'Produce', 'Bakery', 'Household', 'Stationery'];

export interface DemoDeliveryOrder {
  readonly what: string;
  readonly body: {
    customerId: string;
    placeKey: string;
    lines: { sku: string; qty: number }[];
    fulfilment: {
      type: 'DELIVERY';
      storeId: string;
      delivery: {
        speed: 'TWO_HOUR' | 'SAME_DAY' | 'NEXT_DAY';
        address: { line1: string; city: string; postcode: string; lat: number; lon: number };
        phone: string;
      };
    };
  };
}

const STREETS = ['Orchard Lane', 'Maple Avenue', 'Harbor Street', 'Linden Place', 'Union Square', 'Cedar Road'];

/**
 * Two deliveries from each of the first three stores (a 2-hour one and a same-day one, to doors 1–4 km away), each
 * with a fixed placeKey so a restart finds the orders already placed.
 */
export function demoDeliveryOrders(
  stores: readonly (DemoStore & { readonly storeId: string })[],
  customers: readonly string[],
  catalog: readonly CatalogRow[],
): DemoDeliveryOrder[] {
  const skus = catalog
    .filter((p) => EVERYDAY.includes(p.category))
    .map((p) => p.sku)
    .sort();
  const orders: DemoDeliveryOrder[] = [];
  stores.slice(0, 3).forEach((s, i) => {
    (['TWO_HOUR', 'SAME_DAY'] as const).forEach((speed, n) => {
      const k = i * 2 + n;
      const door = offset(s.lat, s.lon, [1.1, -2.2, 2.6, -0.8, 3.1, -1.7][k]!, [1.4, 0.9, -1.8, -2.7, 0.6, 2.4][k]!);
      orders.push({
        what: `${s.code} ${speed === 'TWO_HOUR' ? '2-hour' : 'same-day'} delivery`,
        body: {
          customerId: customers[(k + 1) % customers.length]!,
          placeKey: `demo-${s.code}-delivery-${n + 1}`,
          lines: [0, 1].map((j) => ({ sku: skus[(k * 211 + j * 577 + 7) % skus.length]!, qty: 1 + ((k + j) % 2) })),
          fulfilment: {
            type: 'DELIVERY',
            storeId: s.storeId,
            delivery: {
              speed,
              address: {
                line1: `${12 + k * 7} ${STREETS[k % STREETS.length]}`,
                city: s.name.replace(/ (Flagship|#\d+)$/, ''),
                postcode: String(10_001 + k * 17),
                ...door,
              },
              phone: `+1 212 555 01${String(k).padStart(2, '0')}`,
            },
          },
        },
      });
    });
  });
  return orders;
}

export interface DemoDeliveries {
  /** What the banner says: "6 of 6 placed (2 waiting for a carrier), 11 drivers on the road". */
  readonly summary: string;
  readonly carriers: number;
  readonly orders: readonly { readonly what: string; readonly status: string; readonly number: string | null }[];
  /** Stops the driver apps (before the hub stops). */
  stop(): Promise<void>;
}

/**
 * Adds the demo's carriers (once), places its delivery orders (once; one the hub cannot promise now — late in the
 * store's day — is asked for next-day instead), and starts a driver app for every carrier on duty.
 */
export async function startDemoDeliveries(o: {
  api: Api;
  hubUrl: string;
  /** The demo CA's PEM when the hub is on https: what the driver apps' sockets must trust. */
  hubCa?: string | undefined;
  dataDir: string;
  stores: readonly (DemoStore & { readonly storeId: string })[];
  dcId: string;
  customers: readonly string[];
  catalog: readonly CatalogRow[];
  say: (line: string) => void;
  /** Driving time per real second (default 6: a 3 km run takes about a minute to watch). */
  speedUp?: number;
  log?: (err: unknown) => void;
}): Promise<DemoDeliveries> {
  const tokensFile = join(o.dataDir, 'delivery-drivers.json');
  const tokens: Record<string, string> = existsSync(tokensFile)
    ? (JSON.parse(readFileSync(tokensFile, 'utf8')) as Record<string, string>)
    : {};
  // The drivers' tokens are secrets: written owner-only from the first byte (a new file made 0644 and then chmodded is
  // readable in between), into a fresh file renamed over the old one (whose mode, from an older demo, may be looser).
  const saveTokens = () => {
    const fresh = `${tokensFile}.${process.pid}.tmp`;
    rmSync(fresh, { force: true });
    writeFileSync(fresh, JSON.stringify(tokens, null, 2), { mode: 0o600, flag: 'wx' });
    renameSync(fresh, tokensFile);
  };

  o.say('adding the delivery carriers…');
  const wanted = demoCarriers(o.stores, { id: o.dcId });
  const { items: known } = await o.api<{ items: { id: string; code: string; active: boolean; grounded: boolean }[] }>(
    'GET',
    '/api/delivery/carriers?limit=200',
  );
  const byCode = new Map(known.map((c) => [c.code, c]));
  for (const c of wanted) {
    let row = byCode.get(c.code);
    if (!row) {
      const made = await o.api<{ id: string; code: string; active: boolean; grounded: boolean; driverToken: string }>(
        'POST',
        '/api/delivery/carriers',
        c,
      );
      row = made;
      tokens[c.code] = made.driverToken;
      saveTokens();
    } else if (!tokens[c.code]) {
      // made by an earlier start whose token file is gone: a new token (the old one stops working)
      const { driverToken } = await o.api<{ driverToken: string }>(
        'POST',
        `/api/delivery/carriers/${row.id}/driver-token`,
      );
      tokens[c.code] = driverToken;
      saveTokens();
    }
    byCode.set(c.code, row);
  }

  o.say('placing the demo deliveries…');
  const orders: { what: string; status: string; number: string | null }[] = [];
  for (const d of demoDeliveryOrders(o.stores, o.customers, o.catalog)) {
    try {
      const placed = await placeOrNextDay(o.api, d);
      orders.push({ what: d.what, status: placed.status, number: placed.orderNumber ?? null });
    } catch (err) {
      orders.push({ what: d.what, status: `refused (${(err as Error).message.slice(0, 160)})`, number: null });
    }
  }

  const drivers: DriverSimulator[] = [];
  // The sockets trust the demo's CA once the simulator takes one (`tls`, asked of the delivery module's owners); until
  // then a driver app refused over HTTPS is said once in the banner rather than logged for every carrier.
  const simOptions: DriverSimulatorOptions = { onError: o.log, ...(o.hubCa ? { tls: { ca: o.hubCa } } : {}) };
  let untrusted = 0;
  for (const c of wanted) {
    const row = byCode.get(c.code);
    if (!row?.active || row.grounded) continue;
    try {
      const sim = await DriverSimulator.connect(o.hubUrl, tokens[c.code]!, simOptions);
      sim.start(1000, o.speedUp ?? 6);
      drivers.push(sim);
    } catch (err) {
      if (untrustedCertificateCode(err)) untrusted++;
      else o.log?.(err);
    }
  }
  const placed = orders.filter((x) => x.number).length;
  return {
    summary: `${placed} of ${orders.length} placed; ${drivers.length} driver apps simulated (they wait at the store for the delivery desk's hand-over)${
      untrusted ? `; ${untrusted} not started: the simulator's socket does not trust the demo CA yet` : ''
    }`,
    carriers: wanted.length,
    orders,
    stop: async () => {
      await Promise.all(drivers.map((d) => d.stop()));
    },
  };
}

/** Places the order; a promise the hub cannot keep now (late in the store's day) is asked for next-day instead. */
async function placeOrNextDay(
  api: Api,
  d: DemoDeliveryOrder,
): Promise<{ status: string; orderNumber?: string | null }> {
  try {
    return await api('POST', '/api/orders', d.body);
  } catch (err) {
    if (!/→ 422 /.test((err as Error).message)) throw err;
    const nextDay = { ...d.body.fulfilment.delivery, speed: 'NEXT_DAY' as const };
    return api('POST', '/api/orders', { ...d.body, fulfilment: { ...d.body.fulfilment, delivery: nextDay } });
  }
}
