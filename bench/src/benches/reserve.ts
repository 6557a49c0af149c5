import { randomUUID } from 'node:crypto';
import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { seededRandom } from '@storefleet/devices';
import { hlcEncode, type WireEvent } from '@storefleet/shared';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { benchTuning } from '../support/bench-tuning.js';
import { adminSession, catalogue, HubApi, storeWithToken } from '../support/hub-http-caller.js';
import { percentile } from '../support/memory-store.js';
import { benchHolds, type HoldAsk } from '../support/naive-holds.js';

const CLIENTS = 32;
/** The hot sku: HOT_STOCK units at one store against HOT_HOLDS racing requests of 1–5 units, HOT_ROUNDS times a way. */
const HOT_STOCK = Number(process.env.BENCH_HOT_STOCK ?? 100);
const HOT_HOLDS = Number(process.env.BENCH_HOT_HOLDS ?? 1000);
const HOT_ROUNDS = Number(process.env.BENCH_HOT_ROUNDS ?? 2);
/** Spread: SPREAD_HOLDS requests of 1–5 units over STORES × SKUS stock rows of SPREAD_STOCK units each. */
const STORES = Number(process.env.BENCH_STORES ?? 20);
const SKUS = 50;
const SPREAD_STOCK = 8;
const SPREAD_HOLDS = Number(process.env.BENCH_SPREAD_HOLDS ?? 4000);

/** How a hold is asked for: the hub's HTTP API or its service, and the plain anchor behind each. */
const WAYS = ['http_naive', 'http', 'service_naive', 'service'] as const; // each anchor before the way it anchors
type Way = (typeof WAYS)[number];
const ANCHOR_OF: Partial<Record<Way, Way>> = { http: 'http_naive', service: 'service_naive' };
const ANCHOR_NAME = {
  http_naive: 'http-select-for-update-per-request',
  service_naive: 'select-for-update-per-request',
} as const;

type Outcome = 'granted' | 'refused' | 'failed';
type Ask = HoldAsk & { readonly token: string };

/** Every ask answered by CLIENTS callers taking the next from one queue: what each got, and latencies. */
async function race(asks: readonly Ask[], call: (a: Ask) => Promise<Outcome>) {
  const outcomes: Outcome[] = new Array(asks.length);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < asks.length) {
        const i = next++;
        const t0 = performance.now();
        outcomes[i] = await call(asks[i]!);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { outcomes, latencies, seconds: (performance.now() - started) / 1000 };
}

const key = (storeId: string, sku: string) => `${storeId}/${sku}`;

interface Verdict {
  /** Units granted past a row's stock, by the callers' answers. */
  oversold: number;
  /** |reserved in inventory_stock − units granted| and |units on HELD reservations − units granted|, summed over rows. */
  mismatch: number;
  /** Requests refused although the row still had at least that many units left at the end (stock only shrinks). */
  refusedWithStockLeft: number;
  /** Hot rounds that did not grant exactly the stock (each has ≥ HOT_STOCK requests of 1 unit: a full grant is due). */
  hotNotExact: number;
  failed: number;
  granted: number;
}

/** Checks one way's run against the stock it was given and against the database after it. */
async function verdict(
  hub: Hub,
  stock: ReadonlyMap<string, number>,
  hotKeys: ReadonlySet<string>,
  asks: readonly Ask[],
  outcomes: readonly Outcome[],
): Promise<Verdict> {
  const granted = new Map<string, number>();
  for (const [i, a] of asks.entries())
    if (outcomes[i] === 'granted')
      granted.set(key(a.storeId, a.sku), (granted.get(key(a.storeId, a.sku)) ?? 0) + a.qty);
  const v: Verdict = { oversold: 0, mismatch: 0, refusedWithStockLeft: 0, hotNotExact: 0, failed: 0, granted: 0 };
  for (const [k, units] of stock) {
    const g = granted.get(k) ?? 0;
    v.oversold += Math.max(0, g - units);
    if (hotKeys.has(k) && g !== units) v.hotNotExact++;
  }
  for (const [i, a] of asks.entries()) {
    const k = key(a.storeId, a.sku);
    if (outcomes[i] === 'failed') v.failed++;
    if (outcomes[i] === 'granted') v.granted++;
    if (outcomes[i] === 'refused' && a.qty <= stock.get(k)! - (granted.get(k) ?? 0)) v.refusedWithStockLeft++;
  }
  const stores = [...new Set(asks.map((a) => a.storeId))];
  const skus = [...new Set(asks.map((a) => a.sku))];
  const { rows } = await hub.db.query<{ store_id: string; sku: string; reserved: number; held: number }>(
    `SELECT s.store_id, s.sku, s.reserved,
            (SELECT coalesce(sum((l->>'qty')::int), 0) FROM reservations r, jsonb_array_elements(r.lines) l
             WHERE r.store_id = s.store_id AND r.status = 'HELD' AND l->>'sku' = s.sku) AS held
     FROM inventory_stock s WHERE s.store_id = ANY($1::uuid[]) AND s.sku = ANY($2::text[])`,
    [stores, skus],
  );
  for (const r of rows) {
    const g = granted.get(key(r.store_id, r.sku)) ?? 0;
    v.mismatch += Math.abs(Number(r.reserved) - g) + Math.abs(Number(r.held) - g);
  }
  return v;
}

/** `n` quantities of 1–5, an equal number of each, shuffled: at least n/5 ask for one unit. */
function quantities(n: number, random: () => number): number[] {
  const q = Array.from({ length: n }, (_, i) => 1 + (i % 5));
  for (let i = q.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [q[i], q[j]] = [q[j]!, q[i]!];
  }
  return q;
}

export const reserveBench: Benchmark = {
  name: 'reserve',
  description: `hold requests answered per second with ${CLIENTS} callers through the hub's HTTP API (store tokens) and its service, against SELECT … FOR UPDATE per request: hot (${HOT_STOCK} units, ${HOT_HOLDS} racing requests of 1–5) and spread (${STORES} stores × ${SKUS} skus of ${SPREAD_STOCK} units, ${SPREAD_HOLDS} requests); checks exact grants and reserved = granted`,
  async run() {
    if (HOT_HOLDS < 5 * HOT_STOCK)
      throw new Error(`BENCH_HOT_HOLDS must be at least 5 × BENCH_HOT_STOCK so that a full grant is due`);
    const target = benchTargets[0]!;
    return withDb(target, async (place) => {
      const holds = benchHolds();
      const hub = await createHub({
        port: 0,
        logLevel: 'silent',
        mode: 'test',
        poolSize: CLIENTS,
        ...place,
        modules: [...(await discoverModules()), holds.module],
        tuning: benchTuning(),
      });
      const api = new HubApi(await hub.start(), CLIENTS);
      try {
        const random = seededRandom(16);
        const admin = await adminSession(hub, api);
        const stores: { readonly id: string; readonly token: string }[] = [];
        for (let s = 0; s < STORES; s++) stores.push(await storeWithToken(api, admin, `RB${s}`));
        const hot = stores[0]!;
        // Each way gets its own skus (fresh stock): spread rows SP-<way>-<n>, one hot sku per round HOT-<way>-<r>.
        const spreadSku = (w: Way, n: number) => `SP-${w}-${n}`;
        const hotSku = (w: Way, r: number) => `HOT-${w}-${r}`;
        const skus = WAYS.flatMap((w) => [
          ...Array.from({ length: SKUS }, (_, n) => spreadSku(w, n)),
          ...Array.from({ length: HOT_ROUNDS }, (_, r) => hotSku(w, r)),
        ]);
        await catalogue(api, admin, skus);
        // Stock arrives as a store's RECEIVE movements, applied as the hub applies a store's upload.
        const stock = new Map<string, number>();
        for (const s of stores) {
          const events: WireEvent[] = [];
          const receive = (sku: string, delta: number) => {
            stock.set(key(s.id, sku), delta);
            events.push({
              origin: s.id,
              seq: events.length + 1,
              hlc: hlcEncode({ wallMs: Date.now(), counter: events.length, node: s.id }),
              type: 'stock.moved',
              payload: { sku, delta, kind: 'RECEIVE' },
            });
          };
          for (const w of WAYS) {
            for (let n = 0; n < SKUS; n++) receive(spreadSku(w, n), SPREAD_STOCK);
            if (s === hot) for (let r = 0; r < HOT_ROUNDS; r++) receive(hotSku(w, r), HOT_STOCK);
          }
          const { ackedSeq } = await hub.sync.repo.applyBatch(s.id, events, undefined);
          if (ackedSeq !== events.length)
            throw new Error(`store ${s.id}: the hub took ${ackedSeq} of ${events.length}`);
        }

        const reservations = holds.reservations();
        const naive = holds.naive();
        const calls: Record<Way, (a: Ask) => Promise<Outcome>> = {
          http: async (a) => {
            const res = await api.call(
              'POST',
              '/api/reservations',
              { storeId: a.storeId, customerRef: 'bench', lines: [{ sku: a.sku, qty: a.qty }] },
              { bearer: a.token, idempotencyKey: randomUUID() },
            );
            return res.status === 201 ? 'granted' : res.status === 409 ? 'refused' : 'failed';
          },
          http_naive: async (a) => {
            const res = await api.call(
              'POST',
              '/api/bench/naive-hold',
              { storeId: a.storeId, sku: a.sku, qty: a.qty },
              { bearer: a.token, idempotencyKey: randomUUID() },
            );
            return res.status === 201 ? 'granted' : res.status === 409 ? 'refused' : 'failed';
          },
          service: (a) =>
            reservations
              .reserve({ storeId: a.storeId, customerRef: 'bench', lines: [{ sku: a.sku, qty: a.qty }] })
              .then(
                () => 'granted' as const,
                (err: { type?: string }) => (err.type === 'conflict' ? 'refused' : 'failed'),
              ),
          service_naive: (a) =>
            naive(a).then(
              () => 'granted' as const,
              (err: { type?: string }) => (err.type === 'conflict' ? 'refused' : 'failed'),
            ),
        };

        const db = hub.db.dialect;
        const figures: Figure[] = [];
        const perS: Partial<Record<`${Way}_${'hot' | 'spread'}`, number>> = {};
        let failedChecks = 0;
        for (const w of WAYS) {
          const spreadAsks: Ask[] = quantities(SPREAD_HOLDS, random).map((qty) => {
            const s = stores[Math.floor(random() * STORES)]!;
            return { storeId: s.id, token: s.token, sku: spreadSku(w, Math.floor(random() * SKUS)), qty };
          });
          const hotAsks: Ask[][] = Array.from({ length: HOT_ROUNDS }, (_, r) =>
            quantities(HOT_HOLDS, random).map((qty) => ({ storeId: hot.id, token: hot.token, sku: hotSku(w, r), qty })),
          );
          for (const scenario of ['hot', 'spread'] as const) {
            const rounds = scenario === 'hot' ? hotAsks : [spreadAsks];
            const asks = rounds.flat();
            const outcomes: Outcome[] = [];
            const latencies: number[] = [];
            let seconds = 0;
            for (const round of rounds) {
              const r = await race(round, calls[w]);
              outcomes.push(...r.outcomes);
              latencies.push(...r.latencies);
              seconds += r.seconds;
            }
            const rows = new Map([...stock].filter(([k]) => asks.some((a) => key(a.storeId, a.sku) === k)));
            const hotKeys = new Set(scenario === 'hot' ? rows.keys() : []);
            const v = await verdict(hub, rows, hotKeys, asks, outcomes);
            const rate = asks.length / seconds;
            perS[`${w}_${scenario}`] = rate;
            const p95 = percentile(latencies, 95);
            const bad = v.oversold + v.mismatch + v.refusedWithStockLeft + v.hotNotExact + v.failed;
            failedChecks += bad;
            console.error(
              `  ${w} ${scenario}: ${rate.toFixed(0)} requests answered/s (p95 ${p95.toFixed(1)} ms), ${v.granted} granted of ${asks.length}; oversold ${v.oversold}, reserved≠granted ${v.mismatch}, refused with stock left ${v.refusedWithStockLeft}${scenario === 'hot' ? `, rounds not exactly ${HOT_STOCK} ${v.hotNotExact}` : ''}, failed ${v.failed}`,
            );
            const base = { bench: 'reserve', db, n: asks.length } as const;
            const anchor = ANCHOR_OF[w];
            const decisions = { ...base, metric: `hold_requests_per_s_${scenario}_${w}`, value: rate, unit: '1/s' };
            figures.push(
              anchor
                ? against(decisions, ANCHOR_NAME[anchor as keyof typeof ANCHOR_NAME], perS[`${anchor}_${scenario}`]!)
                : { ...decisions, value: round(rate) },
              { ...base, metric: `p95_ms_${scenario}_${w}`, value: round(p95, 1), unit: 'ms' },
              { ...base, metric: `granted_holds_${scenario}_${w}`, value: v.granted, unit: 'holds' },
              { ...base, metric: `oversold_units_${scenario}_${w}`, value: v.oversold, unit: 'units' },
              {
                ...base,
                metric: `reserved_vs_granted_mismatch_units_${scenario}_${w}`,
                value: v.mismatch,
                unit: 'units',
              },
              {
                ...base,
                metric: `refused_with_stock_left_${scenario}_${w}`,
                value: v.refusedWithStockLeft,
                unit: 'requests',
              },
              { ...base, metric: `failed_requests_${scenario}_${w}`, value: v.failed, unit: 'requests' },
            );
            if (scenario === 'hot')
              figures.push({
                ...base,
                metric: `hot_rounds_not_exactly_stock_${w}`,
                value: v.hotNotExact,
                unit: 'rounds',
                n: HOT_ROUNDS,
              });
          }
        }
        figures.push({
          bench: 'reserve',
          metric: 'check_failures',
          value: failedChecks,
          unit: 'count',
          db,
          n: WAYS.length,
        });
        if (failedChecks) {
          console.error(
            `  CHECK FAILED: ${failedChecks} (oversold, reserved≠granted, wrong refusals, inexact rounds, failed requests)`,
          );
          process.exitCode = 1;
        }
        return figures;
      } finally {
        api.close();
        await hub.stop();
      }
    });
  },
};
