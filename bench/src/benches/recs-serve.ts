import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { createHub, type Db, type Hub } from '@storefleet/central';
import { hlcEncode } from '@storefleet/shared';
import { seededRandom } from '../../../central/src/modules/delivery/carriers/seeded-random.js';
import { recsParts } from '../../../central/src/modules/recommendations/index.js';
import {
  InteractionsRepository,
  MAX_INTERACTIONS_A_CALL,
} from '../../../central/src/modules/recommendations/interactions-repository.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { call, type Caller, headOffice, storeCaller } from '../support/hub-calls.js';
import { percentile } from '../support/memory-store.js';
import { modulesKeepingContext } from '../support/module-context.js';
import { type Shop, syntheticShop } from './recs-serve-data.js';

/** A positive whole number from the environment (CI-size runs), else the fallback; anything else stops the run. */
function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not '${raw}'`);
  return n;
}

/** What one run is sized and bounded by; every field has an environment variable. */
export const RECS_SERVE_DEFAULTS = {
  customers: fromEnv('RECS_SERVE_CUSTOMERS', 5_000),
  products: fromEnv('RECS_SERVE_PRODUCTS', 2_000),
  interactions: fromEnv('RECS_SERVE_INTERACTIONS', 200_000),
  /** Requests per surface through the module's route, after a warm-up not counted. */
  requests: fromEnv('RECS_SERVE_REQUESTS', 1_000),
  /** Requests per surface through the live-SQL anchor (slower: fewer are enough for a p95). */
  anchorRequests: fromEnv('RECS_SERVE_ANCHOR_REQUESTS', 200),
  /** Requests in flight at once for the throughput pass (the latency passes send one at a time). */
  concurrency: fromEnv('RECS_SERVE_CONCURRENCY', 8),
  /** Seconds the anchor may spend on one surface: past it, its pass stops where it is (at least 10 answers). */
  anchorSeconds: fromEnv('RECS_SERVE_ANCHOR_SECONDS', 60),
};
const WARM_UP = 50;
/** Customers signed up through the API (the home surface asks for them; the rest are past shoppers' ids only). */
const NAMED_CUSTOMERS = 300;
/** Kiosk sessions with a few views posted before the run (the session re-ranking has something to work on). */
const SESSIONS = 50;
const LIMIT = 10;
const GOAL_P95_MS = 20;
const ANCHOR = 'live-sql-cooccurrence-and-popularity';
const SURFACES = ['home', 'product', 'cart', 'kiosk'] as const;
type Surface = (typeof SURFACES)[number];
/** Every 10th product is not stocked at store A (the one asked for): no answer may hold one. */
const outOfStockAtA = (productNo: number) => productNo % 10 === 3;

/** One request of a surface: its query, who asks, and what its answer must not hold. */
interface Ask {
  readonly surface: Surface;
  readonly query: string;
  readonly caller: Caller;
  readonly anchors: readonly string[];
  readonly customerNo: number | null;
  readonly customerId: string | null;
  readonly sessionId: string | null;
}

/**
 * Runs `asks` through `one` with `concurrency` in flight; each request's milliseconds, and the wall time. With
 * `seconds`, no new request starts once that time has passed and at least 10 have been answered.
 */
async function timed<T>(
  asks: readonly Ask[],
  concurrency: number,
  one: (a: Ask) => Promise<T>,
  seen: (a: Ask, answer: T) => void,
  seconds = Number.POSITIVE_INFINITY,
): Promise<{ ms: number[]; wallS: number }> {
  const ms: number[] = [];
  let next = 0;
  const started = performance.now();
  const over = () => ms.length >= 10 && performance.now() - started > seconds * 1000;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, asks.length) }, async () => {
      for (let i = next++; i < asks.length && !over(); i = next++) {
        const t = performance.now();
        const answer = await one(asks[i]!);
        ms.push(performance.now() - t);
        seen(asks[i]!, answer);
      }
    }),
  );
  return { ms, wallS: (performance.now() - started) / 1000 };
}

/**
 * The anchor: the same request answered without precomputed candidates — per request, in one SQL statement on the
 * interactions: products bought by the customers who bought the anchors (or, for a customer, their last 5 products),
 * counted live ("bought with"), plus live popularity of the last 30 days at the store; the same rules (in the catalog,
 * in stock at the store, not an anchor, not already bought), best `limit`. Served over HTTP on 127.0.0.1 like the
 * module's route, so both figures carry the same HTTP costs.
 */
const ANCHOR_SQL = `
WITH mine AS (
  SELECT DISTINCT sku FROM recs_interactions WHERE $2::text IS NOT NULL AND customer_id = $2::text AND kind = 'PURCHASE'
), recent AS (
  SELECT sku FROM recs_interactions WHERE $2::text IS NOT NULL AND customer_id = $2::text AND kind = 'PURCHASE'
  GROUP BY sku ORDER BY max(at) DESC LIMIT 5
), seeds AS (
  SELECT unnest($1::text[]) AS sku UNION SELECT sku FROM recent
), buyers AS (
  SELECT DISTINCT i.customer_id FROM recs_interactions i JOIN seeds s ON s.sku = i.sku
  WHERE i.kind = 'PURCHASE' AND i.customer_id IS NOT NULL AND i.customer_id IS DISTINCT FROM $2::text
), together AS (
  SELECT i.sku, count(DISTINCT i.customer_id)::float8 AS n
  FROM recs_interactions i JOIN buyers b ON b.customer_id = i.customer_id
  WHERE i.kind = 'PURCHASE' GROUP BY i.sku
), popular AS (
  SELECT sku, count(*)::float8 AS n FROM recs_interactions WHERE at >= $4::bigint AND store_id = $3::text GROUP BY sku
), scored AS (
  SELECT coalesce(t.sku, p.sku) AS sku,
         coalesce(t.n / nullif(max(t.n) OVER (), 0), 0) + 0.2 * coalesce(p.n / nullif(max(p.n) OVER (), 0), 0) AS score
  FROM together t FULL JOIN popular p ON p.sku = t.sku
)
SELECT x.sku FROM scored x
JOIN catalog_products c ON c.sku = x.sku
JOIN inventory_stock s ON s.store_id = ($3::text)::uuid AND s.sku = x.sku AND s.on_hand - s.reserved - s.safety > 0
WHERE NOT (x.sku = ANY($1::text[])) AND x.sku NOT IN (SELECT sku FROM mine)
ORDER BY x.score DESC, x.sku
LIMIT $5::int`;

async function startAnchorServer(db: Db, storeId: string, now: () => number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://anchor').searchParams;
    db.query<{ sku: string }>(ANCHOR_SQL, [
      q.getAll('sku'),
      q.get('customerId'),
      q.get('storeId') ?? storeId,
      now() - 30 * 86_400_000,
      Number(q.get('limit') ?? LIMIT),
    ]).then(
      ({ rows }) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: rows.map((r) => ({ sku: r.sku })) }));
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The shop's catalog at the hub, its two stores stocked (store A missing every 10th product), as stores report it. */
async function seedShop(hub: Hub, url: string, admin: Caller, shop: Shop) {
  for (let i = 0; i < shop.products.length; i += 1_000)
    await call(url, 'POST', '/catalog/products/import', admin, { items: shop.products.slice(i, i + 1_000) });
  const stores: { storeId: string; secret: string }[] = [];
  for (const code of ['RS-A', 'RS-B']) {
    const { credential } = await call<{ credential: { storeId: string; secret: string } }>(
      url,
      'POST',
      '/locations',
      admin,
      { code, name: `Recs store ${code}`, kind: 'STORE', lat: 40.7, lon: -74 },
    );
    stores.push(credential);
  }
  for (const [s, { storeId }] of stores.entries()) {
    const stocked = shop.products.filter((_, i) => s === 1 || !outOfStockAtA(i));
    for (let i = 0; i < stocked.length; i += 500) {
      const events = stocked.slice(i, i + 500).map((p, j) => ({
        origin: storeId,
        seq: i + j + 1,
        hlc: hlcEncode({ wallMs: Date.now(), counter: i + j, node: storeId }),
        type: 'stock.moved',
        payload: { sku: p.sku, delta: 50, kind: 'RECEIVE' },
      }));
      await hub.sync.repo.applyBatch(storeId, events, 0);
    }
  }
  return { storeA: stores[0]!, storeB: stores[1]! };
}

/** The shop's interactions through the module's one write path (what the RECS_INTERACTIONS port records). */
async function seedInteractions(db: Db, shop: Shop, customerIdOf: (no: number) => string): Promise<void> {
  const repo = new InteractionsRepository(db);
  for (let i = 0; i < shop.interactions.length; i += MAX_INTERACTIONS_A_CALL) {
    await repo.record(
      shop.interactions
        .slice(i, i + MAX_INTERACTIONS_A_CALL)
        .map(({ customerNo, ...x }) => ({ ...x, customerId: customerIdOf(customerNo) })),
    );
  }
}

/** Everything that is wrong with one answer, by the module's own rules (empty when nothing is). */
function violations(a: Ask, items: readonly { sku: string }[], shop: Shop, notAtA: ReadonlySet<string>): string[] {
  const out: string[] = [];
  if (items.length === 0) out.push(`${a.surface}: an empty list for ${a.query}`);
  const skus = items.map((i) => i.sku);
  for (const sku of skus) {
    if (a.anchors.includes(sku)) out.push(`${a.surface}: the anchor ${sku} recommended for itself (${a.query})`);
    if (notAtA.has(sku)) out.push(`${a.surface}: ${sku}, out of stock at the store asked for (${a.query})`);
    if (a.customerNo !== null && shop.bought[a.customerNo]!.has(sku))
      out.push(`${a.surface}: ${sku}, already bought by the customer (${a.query})`);
  }
  if (new Set(skus).size !== skus.length) out.push(`${a.surface}: a sku twice in one list (${a.query})`);
  return out;
}

export async function runRecsServe(o: typeof RECS_SERVE_DEFAULTS): Promise<Figure[]> {
  const target = benchTargets[0]!;
  return withDb(target, async (place) => {
    const { modules, context } = await modulesKeepingContext('recommendations');
    const hub = await createHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...place, modules });
    let anchorServer: Server | undefined;
    try {
      const url = await hub.start();
      const admin = await headOffice(hub);
      const now = Date.now();
      const shop = syntheticShop(o, ['A', 'B'], now);
      const seedStarted = performance.now();
      const { storeA, storeB } = await seedShop(hub, url, admin, shop);
      const storeIdOf = { A: storeA.storeId, B: storeB.storeId } as Record<string, string>;
      // the shoppers the home surface asks for are real customers, signed up at store A
      const named: string[] = [];
      for (let i = 0; i < Math.min(NAMED_CUSTOMERS, o.customers); i++)
        named.push(
          (await call<{ id: string }>(url, 'POST', '/customers', admin, { name: `Recs shopper ${i + 1}` })).id,
        );
      const customerIdOf = (no: number) => named[no] ?? `recs-bench-shopper-${no}`;
      await seedInteractions(
        hub.db,
        {
          ...shop,
          interactions: shop.interactions.map((x) => ({ ...x, storeId: x.storeId && storeIdOf[x.storeId]! })),
        },
        customerIdOf,
      );
      console.error(
        `  seeded ${o.products.toLocaleString('en-GB')} products, ${o.customers.toLocaleString('en-GB')} customers, ${shop.interactions.length.toLocaleString('en-GB')} interactions in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s on ${target.name}`,
      );

      const trainStarted = performance.now();
      const run = await recsParts(context()).training.train();
      const trainS = (performance.now() - trainStarted) / 1000;
      check(run.state === 'ACTIVE', `the training run ended ${run.state} (${run.error ?? 'no error'}), not ACTIVE`);
      console.error(`  trained model ${run.version} in ${trainS.toFixed(1)} s: ${JSON.stringify(run.summary)}`);

      const a = await storeCaller(url, storeA);
      const random = seededRandom('recs-serve asks');
      const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
      const productNo = new Map(shop.products.map((p, i) => [p.sku, i]));
      const notAtA = new Set(shop.products.filter((_, i) => outOfStockAtA(i)).map((p) => p.sku));
      // the anchors asked about: products bought with others, in the catalog (stocked at A or not: either may be shown)
      const anchors = shop.coPurchased.filter((sku) => productNo.has(sku));
      const sessions = Array.from({ length: SESSIONS }, (_, i) => `recs-bench-kiosk-${i}`);
      for (const sessionId of sessions)
        for (let k = 0; k < 3; k++)
          await call(
            url,
            'POST',
            '/recommendations/events',
            a,
            {
              eventId: `${sessionId}-view-${k}`,
              sessionId,
              kind: 'VIEW',
              sku: pick(anchors),
              storeId: storeA.storeId,
            },
            [202],
          );
      const homeCustomers = named.map((id, no) => ({ id, no })).filter((c) => shop.bought[c.no]!.size > 0);
      const ask = (surface: Surface): Ask => {
        const base = `surface=${surface}&storeId=${storeA.storeId}&limit=${LIMIT}`;
        if (surface === 'home') {
          const c = pick(homeCustomers);
          return {
            surface,
            query: `${base}&customerId=${c.id}`,
            caller: admin,
            anchors: [],
            customerNo: c.no,
            customerId: c.id,
            sessionId: null,
          };
        }
        const skus = surface === 'cart' ? [pick(anchors), pick(anchors), pick(anchors)] : [pick(anchors)];
        const sessionId = surface === 'kiosk' ? pick(sessions) : null;
        const query = `${base}${skus.map((s) => `&sku=${s}`).join('')}${sessionId ? `&sessionId=${sessionId}` : ''}`;
        return { surface, query, caller: a, anchors: skus, customerNo: null, customerId: null, sessionId };
      };

      const problems: string[] = [];
      let answered = 0;
      const moduleCall = async (x: Ask) =>
        call<{ items: { sku: string }[] }>(url, 'GET', `/recommendations?${x.query}`, x.caller);
      const anchor = await startAnchorServer(hub.db, storeA.storeId, () => Date.now());
      anchorServer = anchor.server;
      const anchorCall = async (x: Ask) => {
        const res = await fetch(`${anchor.url}/?${x.query}`);
        if (!res.ok) throw new Error(`the anchor answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as { items: { sku: string }[] };
      };
      // the anchor's fair chance: the index a live "bought with" query needs (interactions by product)
      await hub.db.query('CREATE INDEX bench_recs_interactions_sku ON recs_interactions (sku, kind, customer_id)');
      await hub.db.query('ANALYZE recs_interactions');

      const busy = () => `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;
      console.error(
        `  measuring ${o.requests} requests a surface, ${o.concurrency} in flight then one at a time: ${busy()}`,
      );
      const base = { bench: 'recs-serve', db: target.name } as const;
      const figures: Figure[] = [
        { ...base, metric: 'train_s', value: round(trainS, 2), unit: 's', n: shop.interactions.length },
      ];
      const all: number[] = [];
      const allAnchor: number[] = [];
      const loadedMs: number[] = [];
      let wallS = 0;
      let anchorEmpty = 0;
      for (const surface of SURFACES) {
        const warm = Array.from({ length: WARM_UP }, () => ask(surface));
        await timed(warm, o.concurrency, moduleCall, () => undefined);
        await timed(warm.slice(0, 5), o.concurrency, anchorCall, () => undefined);
        const asks = Array.from({ length: o.requests }, () => ask(surface));
        const checkAnswer = (x: Ask, answer: { items: { sku: string }[] }) => {
          answered++;
          for (const p of violations(x, answer.items, shop, notAtA)) problems.push(p);
        };
        // throughput: `concurrency` in flight; latency: one at a time (on a small machine, 8 in flight is 8 queued)
        const loaded = await timed(asks, o.concurrency, moduleCall, checkAnswer);
        const served = await timed(asks, 1, moduleCall, checkAnswer);
        const live = await timed(
          asks.slice(0, o.anchorRequests),
          1,
          anchorCall,
          (_, answer) => {
            if (answer.items.length === 0) anchorEmpty++;
          },
          o.anchorSeconds,
        );
        all.push(...served.ms);
        allAnchor.push(...live.ms);
        loadedMs.push(...loaded.ms);
        wallS += loaded.wallS;
        const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(served.ms, p)) as [number, number, number];
        const loadedP95 = percentile(loaded.ms, 95);
        const anchorP95 = percentile(live.ms, 95);
        const rps = loaded.ms.length / loaded.wallS;
        console.error(
          `  ${surface}: ${rps.toFixed(0)} requests/s with ${o.concurrency} in flight (p95 ${loadedP95.toFixed(1)} ms); one at a time p50 ${p50.toFixed(1)} ms p95 ${p95.toFixed(1)} ms p99 ${p99.toFixed(1)} ms; live SQL p95 ${anchorP95.toFixed(1)} ms (${live.ms.length} requests): ${(anchorP95 / p95).toFixed(1)}× at p95`,
        );
        const n = served.ms.length;
        figures.push(
          { ...base, metric: `serve_rps_${surface}`, value: Math.round(rps), unit: 'requests/s', n: loaded.ms.length },
          against({ ...base, metric: `serve_p95_ms_${surface}`, value: p95, unit: 'ms', n }, ANCHOR, anchorP95, false),
          { ...base, metric: `serve_p99_ms_${surface}`, value: round(p99), unit: 'ms', n },
          { ...base, metric: `loaded_p95_ms_${surface}`, value: round(loadedP95), unit: 'ms', n: loaded.ms.length },
          { ...base, metric: `anchor_p95_ms_${surface}`, value: round(anchorP95), unit: 'ms', n: live.ms.length },
          { ...base, metric: `speedup_p95_vs_live_sql_${surface}`, value: round(anchorP95 / p95), unit: '×', n },
        );
      }
      const [p95, p99] = [percentile(all, 95), percentile(all, 99)];
      const anchorP95 = percentile(allAnchor, 95);
      const distinct = [...new Set(problems.map((p) => p.split(' (')[0]))];
      check(
        problems.length === 0,
        `${problems.length} broken rules in ${answered} answers: ${distinct.slice(0, 5).join('; ')}${distinct.length > 5 ? '; …' : ''}`,
      );
      console.error(
        `  all surfaces: ${(loadedMs.length / wallS).toFixed(0)} requests/s with ${o.concurrency} in flight; one at a time p95 ${p95.toFixed(1)} ms (goal < ${GOAL_P95_MS} ms: ${p95 < GOAL_P95_MS ? 'met' : 'MISSED'}), p99 ${p99.toFixed(1)} ms; live SQL p95 ${anchorP95.toFixed(1)} ms (${anchorEmpty} of its answers empty); ${answered} answers checked, ${problems.length} broken rules; ${busy()}`,
      );
      const n = all.length;
      figures.push(
        {
          ...base,
          metric: 'serve_rps',
          value: Math.round(loadedMs.length / wallS),
          unit: 'requests/s',
          n: loadedMs.length,
        },
        { ...base, metric: 'loaded_p95_ms', value: round(percentile(loadedMs, 95)), unit: 'ms', n: loadedMs.length },
        against({ ...base, metric: 'serve_p95_ms', value: p95, unit: 'ms', n }, ANCHOR, anchorP95, false),
        { ...base, metric: 'serve_p99_ms', value: round(p99), unit: 'ms', n },
        { ...base, metric: 'anchor_p95_ms', value: round(anchorP95), unit: 'ms', n: allAnchor.length },
        { ...base, metric: 'speedup_p95_vs_live_sql', value: round(anchorP95 / p95), unit: '×', n },
        { ...base, metric: 'rule_violations', value: problems.length, unit: 'answers', n: answered },
      );
      return figures;
    } finally {
      anchorServer?.close();
      await hub.stop();
    }
  });
}

/**
 * `recs-serve`: a hub (on Postgres when DATABASE_URL names one) with a synthetic shop — customers × products ×
 * interactions (RECS_SERVE_CUSTOMERS, _PRODUCTS, _INTERACTIONS), two stores, store A missing every 10th product — one
 * training run, then for each surface (home for a customer, product, a cart of three, kiosk with a session) over HTTP
 * on 127.0.0.1: requests/s of `GET /api/recommendations` with RECS_SERVE_CONCURRENCY in flight, and its p95 and p99
 * one request at a time; the anchor in the same run on the same requests, one at a time: the lists' sources computed live in SQL per request (co-occurrence and
 * popularity, no precomputed candidates). The check: every answer non-empty, no anchor sku, nothing out of stock at
 * the store asked for, nothing the customer already bought, no sku twice.
 */
export const recsServeBench: Benchmark = {
  name: 'recs-serve',
  description:
    'recommendations served from precomputed candidates over HTTP: requests/s, p95, p99 per surface, against the same lists computed live in SQL',
  run: () => runRecsServe(RECS_SERVE_DEFAULTS),
};
