import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { uuidv7 } from '@storefleet/shared';
import { provide } from '../../../central/src/kernel/ports.js';
import { Assignment } from '../../../central/src/modules/delivery/assignment.js';
import {
  CARRIER_NETWORK,
  type CarrierAdapter,
  type CarrierNetwork,
} from '../../../central/src/modules/delivery/carriers/carrier.js';
import { seededRandom } from '../../../central/src/modules/delivery/carriers/seeded-random.js';
import { DeliveryRepository } from '../../../central/src/modules/delivery/repository.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { percentile } from '../support/memory-store.js';

/** Carriers and open deliveries (the size); BENCH_DELIVERY_* make a CI-size run. */
const CARRIERS = Number(process.env.BENCH_DELIVERY_CARRIERS ?? 500);
const OPEN = Number(process.env.BENCH_DELIVERY_OPEN ?? 10_000);
/** PGlite runs one statement at a time, and slower: fewer decisions, one in flight, keep its run under two minutes. */
const ON_PGLITE = benchTargets[0]?.name === 'pglite';
/** Assignment decisions timed per way (the module's, and the anchor's). */
const DECISIONS = Number(process.env.BENCH_DELIVERY_DECISIONS ?? (ON_PGLITE ? 300 : 1_200));
/** Decisions in flight at once (hub replicas and sweeps decide in parallel). */
const IN_FLIGHT = Number(process.env.BENCH_DELIVERY_IN_FLIGHT ?? (ON_PGLITE ? 1 : 4));
const STORES = 50;
/** Deliveries of the open ones already assigned (they fill carriers' room, as a busy afternoon does). */
const ASSIGNED_SHARE = 0.3;
/** Finished deliveries of the last 30 days, each with offers to five carriers (their reliability). */
const HISTORY = Math.round(OPEN / 5);
/**
 * Requested deliveries no carrier can take (heavier than any vehicle carries): their decision is the refusal, which
 * weighs every carrier that reaches the store and the door to write its sentence — timed too, and on its own.
 */
const REFUSED_SHARE = 0.1;
/** Heavier than the biggest vehicle (a van's 300 kg). */
const TOO_HEAVY_GRAMS = 400_000;
const CHECKED = ON_PGLITE ? 50 : 200;
const ANCHOR = 'every-active-carrier-scored-per-decision';
const CENTRE = { lat: 40.7, lon: -74 };

/** Carriers that hear offers and never answer: the benchmark times the hub's decision, not a carrier. */
const silent: CarrierNetwork = {
  adapterFor: (): CarrierAdapter => ({ offer: () => {}, withdraw: () => {}, cancel: () => {} }),
  integrationOf: () => 'supplied',
  stop: () => {},
};

/**
 * A metropolitan fleet on the hub's database, written as rows: STORES stores over ~55 × 55 km, CARRIERS carriers (a
 * fifth in-house vans and a fifth drones at stores, half gig drivers, a tenth DSPs; one drone in ten grounded), OPEN
 * open deliveries (30 % already assigned, a tenth of the rest too heavy for any carrier), and HISTORY finished
 * deliveries with offers behind each carrier's score. Returns the REQUESTED ones and which of them no carrier can take.
 */
export async function seedFleet(hub: Hub, now: number): Promise<{ requested: string[]; unassignable: Set<string> }> {
  const draw = seededRandom('delivery-assign');
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(draw() * xs.length)]!;
  const near = (p: { lat: number; lon: number }, km: number) => {
    const r = km * Math.sqrt(draw());
    const a = draw() * 2 * Math.PI;
    return {
      lat: p.lat + (r * Math.sin(a)) / 111.2,
      lon: p.lon + (r * Math.cos(a)) / (111.32 * Math.cos((p.lat * Math.PI) / 180)),
    };
  };
  const stores = Array.from({ length: STORES }, (_, i) => ({ id: uuidv7(), code: `DA${i}`, ...near(CENTRE, 28) }));
  await hub.db.query(
    `INSERT INTO locations (id, code, name, kind, lat, lon, timezone, created_at, updated_at)
     SELECT id, code, 'Store ' || code, 'STORE', lat, lon, 'America/New_York', $5, $5
     FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[]) AS x(id, code, lat, lon)`,
    [stores.map((s) => s.id), stores.map((s) => s.code), stores.map((s) => s.lat), stores.map((s) => s.lon), now],
  );
  type Row = {
    id: string;
    code: string;
    kind: string;
    depot: string | null;
    lat: number;
    lon: number;
    radius: number;
    grams: number;
    stops: number;
    speed: number;
    base: number;
    perKm: number;
    grounded: boolean;
  };
  const carriers: Row[] = [];
  for (let i = 0; i < CARRIERS; i++) {
    const share = i / CARRIERS;
    const store = pick(stores);
    const base = { id: uuidv7(), code: '', depot: null as string | null, grounded: false };
    if (share < 0.2)
      carriers.push({
        ...base,
        code: `VAN-${i}`,
        kind: 'VAN',
        depot: store.id,
        lat: store.lat,
        lon: store.lon,
        radius: 20,
        grams: 300_000,
        stops: 30,
        speed: 30,
        base: 300,
        perKm: 40,
      });
    else if (share < 0.7)
      carriers.push({
        ...base,
        code: `GIG-${i}`,
        kind: 'GIG',
        ...near(CENTRE, 30),
        radius: 10,
        grams: 15_000,
        stops: 3,
        speed: 25,
        base: 500,
        perKm: 80,
      });
    else if (share < 0.8)
      carriers.push({
        ...base,
        code: `DSP-${i}`,
        kind: 'DSP',
        ...near(CENTRE, 10),
        radius: 35,
        grams: 40_000,
        stops: 20,
        speed: 30,
        base: 800,
        perKm: 60,
      });
    else
      carriers.push({
        ...base,
        code: `DRONE-${i}`,
        kind: 'DRONE',
        depot: store.id,
        lat: store.lat,
        lon: store.lon,
        radius: 6,
        grams: 2_500,
        stops: 1,
        speed: 60,
        base: 200,
        perKm: 30,
        grounded: draw() < 0.1,
      });
  }
  const col = <K extends keyof Row>(k: K) => carriers.map((c) => c[k]);
  await hub.db.query(
    `INSERT INTO delivery_carriers (id, code, name, kind, depot_id, lat, lon, radius_km, capacity_grams, capacity_stops,
       speed_kmh, cost_base_minor, cost_per_km_minor, grounded, created_at, updated_at)
     SELECT id, code, 'Carrier ' || code, kind, depot, lat, lon, radius, grams, stops, speed, base, per_km, grounded, $14, $14
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::float8[], $6::float8[], $7::float8[], $8::int[],
                 $9::int[], $10::float8[], $11::int[], $12::int[], $13::bool[])
       AS x(id, code, kind, depot, lat, lon, radius, grams, stops, speed, base, per_km, grounded)`,
    [
      col('id'),
      col('code'),
      col('kind'),
      col('depot'),
      col('lat'),
      col('lon'),
      col('radius'),
      col('grams'),
      col('stops'),
      col('speed'),
      col('base'),
      col('perKm'),
      col('grounded'),
      now,
    ],
  );
  // Deliveries: open (REQUESTED, or ASSIGNED to a van, gig driver or DSP) and finished (the last 30 days' history).
  const road = carriers.filter((c) => c.kind !== 'DRONE');
  const deliveries = Array.from({ length: OPEN + HISTORY }, (_, i) => {
    const store = pick(stores);
    const door = near(store, 7);
    const history = i >= OPEN;
    const assigned = !history && draw() < ASSIGNED_SHARE;
    const fast = draw() < 0.5;
    const at = history ? now - Math.floor(draw() * 29 * 86_400_000) : now;
    const grams = Math.round(draw() < 0.7 ? 300 + draw() * 2_700 : 3_000 + draw() * 9_000);
    const tooHeavy = !history && !assigned && draw() < REFUSED_SHARE;
    return {
      id: uuidv7(),
      store: store.id,
      door,
      grams: tooHeavy ? TOO_HEAVY_GRAMS : grams,
      tooHeavy,
      age: draw() < 0.05,
      from: at,
      to: at + (fast ? 2 : 8) * 3_600_000,
      status: history ? (draw() < 0.92 ? 'DELIVERED' : 'RETURNED') : assigned ? 'ASSIGNED' : 'REQUESTED',
      carrier: history || assigned ? pick(road).id : null,
      at,
    };
  });
  const d = <K extends keyof (typeof deliveries)[number]>(k: K) => deliveries.map((x) => x[k]);
  await hub.db.query(
    `INSERT INTO deliveries (id, order_id, order_number, store_id, reservation_id, customer_name, request, lines,
       weight_grams, age_restricted, window_from, window_to, status, carrier_id, created_at, updated_at)
     SELECT id, gen_random_uuid(), 'SF-' || (100000 + n), store, gen_random_uuid(), 'Bench Customer',
            jsonb_build_object('speed', 'TWO_HOUR', 'address', jsonb_build_object('line1', '1 Bench St', 'city', 'Newark',
              'postcode', '07102', 'lat', lat, 'lon', lon)),
            '[{"sku":"BENCH","qty":1}]'::jsonb, grams, age, wfrom, wto, status, carrier, at, at
     FROM unnest($1::uuid[], $2::uuid[], $3::float8[], $4::float8[], $5::int[], $6::bool[], $7::bigint[], $8::bigint[],
                 $9::text[], $10::uuid[], $11::bigint[]) WITH ORDINALITY
       AS x(id, store, lat, lon, grams, age, wfrom, wto, status, carrier, at, n)`,
    [
      d('id'),
      d('store'),
      deliveries.map((x) => x.door.lat),
      deliveries.map((x) => x.door.lon),
      d('grams'),
      d('age'),
      d('from'),
      d('to'),
      d('status'),
      d('carrier'),
      d('at'),
    ],
  );
  // Each finished delivery was offered to five carriers: its own accepted, the others declined or let time out.
  const offers: { delivery: string; carrier: string; rank: number; status: string; at: number }[] = [];
  for (const x of deliveries.slice(OPEN)) {
    const asked = new Set<string>([x.carrier!]);
    while (asked.size < 5) asked.add(pick(road).id);
    for (const [i, c] of [...asked].reverse().entries())
      offers.push({
        delivery: x.id,
        carrier: c,
        rank: i + 1,
        status: c === x.carrier ? 'ACCEPTED' : draw() < 0.7 ? 'DECLINED' : 'TIMED_OUT',
        at: x.at,
      });
  }
  await hub.db.query(
    `INSERT INTO delivery_offers (id, delivery_id, carrier_id, rank, score, status, offered_at, expires_at, answered_at)
     SELECT gen_random_uuid(), d, c, r, '{"total":50,"terms":[]}'::jsonb, s, at, at + 60000, at + 5000
     FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::bigint[]) AS x(d, c, r, s, at)`,
    [
      offers.map((o) => o.delivery),
      offers.map((o) => o.carrier),
      offers.map((o) => o.rank),
      offers.map((o) => o.status),
      offers.map((o) => o.at),
    ],
  );
  await hub.db.exec('ANALYZE delivery_carriers; ANALYZE deliveries; ANALYZE delivery_offers; ANALYZE locations;');
  return {
    requested: deliveries.filter((x) => x.status === 'REQUESTED').map((x) => x.id),
    unassignable: new Set(deliveries.filter((x) => x.tooHeavy).map((x) => x.id)),
  };
}

/**
 * Decides each delivery (score every feasible carrier, write the offer — or, when none can, the refusal and its
 * sentence) with IN_FLIGHT at once; per-decision times, the refusals' apart too.
 */
async function decide(assignment: Assignment, ids: readonly string[], unassignable: ReadonlySet<string>) {
  const ms: number[] = [];
  const refusalMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const t0 = performance.now();
        await assignment.reconsider(id);
        const took = performance.now() - t0;
        ms.push(took);
        if (unassignable.has(id)) refusalMs.push(took);
      }
    }),
  );
  return { ms, refusalMs, seconds: (performance.now() - started) / 1000 };
}

/**
 * `delivery-assign`: offer decisions over CARRIERS carriers and OPEN open deliveries on the hub's real database — each
 * scores every feasible carrier for a REQUESTED delivery (cost, ETA against the window, room left, 30-day reliability)
 * and writes the offer and its timeline line in one transaction, as a decline or a timeout does; for the tenth no
 * carrier can take, it writes the refusal with its sentence instead (UNASSIGNED). A decision is not an assignment: the
 * carrier still has to accept (`offered_share` says how many decisions made an offer). Anchor,
 * in the same run on the same fleet: the same decisions without the prefilter (every active carrier loaded with its
 * load and weighed per decision). Both ways run in alternating rounds on different deliveries of the same pool; a
 * check asks both ways for the best carrier of CHECKED deliveries and counts disagreements (must be none).
 */
export const deliveryAssignBench: Benchmark = {
  name: 'delivery-assign',
  description: `offer decisions/s and p95 (refusals apart) with ${CARRIERS} carriers and ${OPEN} open deliveries (${IN_FLIGHT} in flight), against scoring every carrier per decision`,
  async run() {
    return withDb(benchTargets[0]!, async (place) => {
      const hub = await createHub({
        port: 0,
        logLevel: 'silent',
        ...place,
        modules: await discoverModules(),
        externals: [provide(CARRIER_NETWORK, silent)],
      });
      try {
        const now = Date.now();
        console.error(`  seeding ${CARRIERS} carriers, ${OPEN} open and ${HISTORY} finished deliveries…`);
        const { requested, unassignable } = await seedFleet(hub, now);
        const deps = {
          db: hub.db,
          now: Date.now,
          feed: hub.sync.feed,
          log: hub.log,
          network: silent,
          offerTimeoutMs: 60_000,
          hooks: () => undefined,
          replanSoon: () => {},
        };
        const ways = { prefiltered: new Assignment(deps), anchor: new Assignment({ ...deps, prefilter: false }) };
        // Agreement first (read-only, on one frozen instant so near-ties cannot flip between the two asks): the
        // prefilter may only leave out carriers that could not have kept the promise.
        const frozen = Date.now();
        const check = (prefilter: boolean) => new Assignment({ ...deps, now: () => frozen, prefilter });
        const [withBox, withoutBox] = [check(true), check(false)];
        const repo = new DeliveryRepository(hub.db);
        let disagreements = 0;
        for (const id of requested.slice(0, CHECKED)) {
          const d = (await repo.delivery(id))!;
          const job = withBox.jobOf(d, (await withBox.origin(hub.db, d.storeId))!);
          const a = (await withBox.rank(hub.db, job, id, true)).map((r) => r.carrier.id);
          const b = (await withoutBox.rank(hub.db, job, id, false)).map((r) => r.carrier.id);
          if (a.join() !== b.join()) disagreements++;
        }
        const pool = requested.slice(CHECKED);
        const perWay = Math.min(DECISIONS, Math.floor(pool.length / 2));
        const rounds = 4;
        const times = { prefiltered: [] as number[], anchor: [] as number[] };
        const refusals = { prefiltered: [] as number[], anchor: [] as number[] };
        const seconds = { prefiltered: 0, anchor: 0 };
        let taken = 0;
        for (let r = 0; r < rounds; r++) {
          const size = Math.floor(perWay / rounds);
          const order = r % 2 ? (['anchor', 'prefiltered'] as const) : (['prefiltered', 'anchor'] as const);
          for (const way of order) {
            const ids = pool.slice(taken, taken + size);
            taken += size;
            const run = await decide(ways[way], ids, unassignable);
            times[way].push(...run.ms);
            refusals[way].push(...run.refusalMs);
            seconds[way] += run.seconds;
          }
          console.error(`  round ${r + 1}/${rounds}: ${taken} decisions`);
        }
        const { rows } = await hub.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM delivery_offers WHERE status = 'PENDING'",
        );
        const { rows: ended } = await hub.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM deliveries WHERE status = 'UNASSIGNED'",
        );
        const refused = refusals.prefiltered.length + refusals.anchor.length;
        if (rows[0]!.n + ended[0]!.n !== taken || ended[0]!.n < refused)
          throw new Error(
            `${taken} decisions (${refused} of deliveries no carrier can take) made ${rows[0]!.n} offers and ${ended[0]!.n} refusals`,
          );
        const n = times.prefiltered.length;
        const db = hub.db.dialect === 'pglite' ? 'pglite' : 'postgres';
        const rate = (w: 'prefiltered' | 'anchor') => times[w].length / seconds[w];
        const figures: Figure[] = [
          against(
            {
              bench: 'delivery-assign',
              metric: 'offer_decisions_per_s',
              value: rate('prefiltered'),
              unit: '1/s (an offer or a refusal each)',
              db,
              n,
            },
            ANCHOR,
            rate('anchor'),
          ),
          against(
            { bench: 'delivery-assign', metric: 'p95_ms', value: percentile(times.prefiltered, 95), unit: 'ms', db, n },
            ANCHOR,
            percentile(times.anchor, 95),
            false,
          ),
          against(
            {
              bench: 'delivery-assign',
              metric: 'refusal_p95_ms',
              value: percentile(refusals.prefiltered, 95),
              unit: 'ms',
              db,
              n: refusals.prefiltered.length,
            },
            ANCHOR,
            percentile(refusals.anchor, 95),
            false,
          ),
          {
            bench: 'delivery-assign',
            metric: 'offered_share',
            value: round(rows[0]!.n / taken, 3),
            unit: 'share',
            db,
            n: taken,
          },
          {
            bench: 'delivery-assign',
            metric: 'prefilter_disagreements',
            value: disagreements,
            unit: 'count',
            db,
            n: CHECKED,
          },
        ];
        if (disagreements) process.exitCode = 1;
        return figures;
      } finally {
        await hub.stop();
      }
    });
  },
};
