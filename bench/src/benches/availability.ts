import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { uuidv7 } from '@storefleet/shared';
import { round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { adminSession, HubApi, storeWithToken } from '../support/hub-http-caller.js';
import { percentile } from '../support/memory-store.js';

const STORES = Number(process.env.BENCH_STORES ?? 5000);
const SKUS = Number(process.env.BENCH_SKUS ?? 200);
const QUERIES = 2000;
/** Stores that call with a token of their own (registered through the API); the rest are rows among which they sit. */
const CALLERS = 20;
const RADIUS_KM = 50;
const LIMIT = 20;
const READ_ANCHOR = 'plain-indexed-select-on-the-hub-db';
const NEARBY_ANCHOR = 'plain-scan-of-every-store-with-the-sku-on-the-hub-db';

interface Point {
  readonly sku: string;
  readonly lat: number;
  readonly lon: number;
}

/** The anchor of the nearby query: every store holding the sku, its distance computed, no bounding box, no index. */
async function plainNearby(hub: Hub, p: Point): Promise<string[]> {
  const { rows } = await hub.db.query<{ store_id: string }>(
    `SELECT store_id FROM (
       SELECT s.store_id, 2 * 6371.0088 * asin(sqrt(power(sin(radians(l.lat - $2) / 2), 2)
                + cos(radians($2)) * cos(radians(l.lat)) * power(sin(radians(l.lon - $3) / 2), 2))) AS km
       FROM inventory_stock s JOIN locations l ON l.id = s.store_id
       WHERE s.sku = $1 AND l.kind = 'STORE' AND s.on_hand - s.reserved - s.safety >= 1
     ) near WHERE km <= $4 ORDER BY km, store_id LIMIT $5`,
    [p.sku, p.lat, p.lon, RADIUS_KM, LIMIT],
  );
  return rows.map((r) => r.store_id);
}

/**
 * Reads against STORES × SKUS stock rows through the hub's inventory API, as a store's lane or kiosk calls it (its own
 * token): one store/sku level (`GET /api/inventory/stores/{id}/stock/{sku}`), and stores within 50 km with stock,
 * nearest first (`GET /api/inventory/nearby`). Anchors in the same run, on the same database and the same keys and
 * points: the plain indexed SELECT of the row, and a plain scan of every store holding the sku.
 */
export const availabilityBench: Benchmark = {
  name: 'availability',
  description: `p95 of a store/sku read and of a nearby-stores query through the hub's API over ${STORES} stores × ${SKUS} skus, against a plain indexed SELECT and a plain scan`,
  async run() {
    return withDb(benchTargets[0]!, async (place) => {
      const hub = await createHub({ port: 0, logLevel: 'silent', ...place, modules: await discoverModules() });
      const url = await hub.start();
      try {
        const setup = new HubApi(url, 1);
        const admin = await adminSession(hub, setup);
        const callers: { readonly id: string; readonly token: string }[] = [];
        for (let c = 0; c < CALLERS; c++) callers.push(await storeWithToken(setup, admin, `AV${c}`));
        setup.close();
        const ids = [...callers.map((c) => c.id), ...Array.from({ length: STORES - CALLERS }, () => uuidv7())];
        // Stores scattered over the continental US (lat 30–47, lon −122…−72), as a real fleet would be; the callers
        // were registered through the API and are moved among them.
        await hub.db.query(
          `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
           SELECT id, 'A' || n, 'Store ' || n, 'STORE', 0, 0, 0, 0 FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)
           ON CONFLICT (id) DO NOTHING`,
          [ids],
        );
        await hub.db.query(
          `UPDATE locations l SET lat = 30 + (n * 7919 % 1700) / 100.0, lon = -122 + (n * 104729 % 5000) / 100.0
           FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n) WHERE l.id = x.id`,
          [ids],
        );
        await hub.db.query(
          `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at)
           SELECT s, 'SKU-' || g, (hashtext(s::text || g) & 15), 0 FROM unnest($1::uuid[]) AS s, generate_series(1, ${SKUS}) g`,
          [ids],
        );
        await hub.db.exec('ANALYZE inventory_stock; ANALYZE locations;');
        const coords = (await hub.db.query<{ lat: number; lon: number }>('SELECT lat, lon FROM locations')).rows;
        const sku = () => `SKU-${1 + Math.floor(Math.random() * SKUS)}`;
        // The same keys and points for the API and its anchor. Points lie near a random store (within ~0.3°), so
        // queries find what a shopper in a town with stores would find.
        const reads = Array.from({ length: QUERIES }, () => ({
          who: callers[Math.floor(Math.random() * CALLERS)]!,
          sku: sku(),
        }));
        const points: Point[] = Array.from({ length: QUERIES }, () => {
          const c = coords[Math.floor(Math.random() * coords.length)]!;
          return {
            sku: sku(),
            lat: round(c.lat + (Math.random() - 0.5) * 0.6, 4),
            lon: round(c.lon + (Math.random() - 0.5) * 0.6, 4),
          };
        });

        const ms = { read: [] as number[], select: [] as number[], nearby: [] as number[], scan: [] as number[] };
        let found = 0;
        let differ = 0;
        const time = async (into: number[], fn: () => Promise<unknown>) => {
          const t = performance.now();
          const out = await fn();
          into.push(performance.now() - t);
          return out;
        };
        // Four rounds, the API and its anchor in turn and in alternating order, so drift in the machine's load
        // (other work shares its cores) falls on both alike.
        for (let round = 0; round < 4; round++) {
          const slice = (i: number) =>
            Math.floor((round * QUERIES) / 4) <= i && i < Math.floor(((round + 1) * QUERIES) / 4);
          const viaApi = async () => {
            // A fresh connection each phase: the server closes a keep-alive connection left idle for 5 s, and one
            // reused just as it closes resets the request.
            const api = new HubApi(url, 1);
            for (const [i, r] of reads.entries())
              if (slice(i))
                await time(ms.read, () =>
                  api.expect(200, 'GET', `/api/inventory/stores/${r.who.id}/stock/${r.sku}`, undefined, {
                    bearer: r.who.token,
                  }),
                );
            for (const [i, p] of points.entries()) {
              if (!slice(i)) continue;
              const q = `sku=${p.sku}&lat=${p.lat}&lon=${p.lon}&radiusKm=${RADIUS_KM}&qty=1&limit=${LIMIT}`;
              const { items } = (await time(ms.nearby, () =>
                api.expect<{ items: { storeId: string }[] }>(200, 'GET', `/api/inventory/nearby?${q}`, undefined, {
                  bearer: reads[i]!.who.token,
                }),
              )) as { items: { storeId: string }[] };
              found += items.length;
              // The anchor's answer for the same point (outside the timing): the API must find the same stores.
              const plain = await plainNearby(hub, p);
              if (plain.length !== items.length || items.some((it) => !plain.includes(it.storeId))) differ++;
            }
            api.close();
          };
          const plain = async () => {
            for (const [i, r] of reads.entries())
              if (slice(i))
                await time(ms.select, () =>
                  hub.db.query('SELECT * FROM inventory_stock WHERE store_id = $1 AND sku = $2', [r.who.id, r.sku]),
                );
            for (const [i, p] of points.entries()) if (slice(i)) await time(ms.scan, () => plainNearby(hub, p));
          };
          if (round % 2 === 0) {
            await viaApi();
            await plain();
          } else {
            await plain();
            await viaApi();
          }
        }
        const db = hub.db.dialect;
        const p95 = (xs: number[]) => percentile(xs, 95);
        console.error(
          `  store/sku read p95 ${p95(ms.read).toFixed(2)} ms through the API, ${p95(ms.select).toFixed(2)} ms plain SELECT; nearby p95 ${p95(ms.nearby).toFixed(2)} ms through the API, ${p95(ms.scan).toFixed(2)} ms plain scan; ${(found / QUERIES).toFixed(1)} stores found a query, ${differ} answers differing from the plain scan`,
        );
        if (differ) process.exitCode = 1;
        // Milliseconds to two decimals; ratio = anchor ÷ ours (below 1: the API answers slower than the bare query).
        const latency = (metric: string, value: number, anchor: string, anchorValue: number): Figure => ({
          bench: 'availability',
          metric,
          value: round(value, 2),
          unit: 'ms',
          anchor,
          anchor_value: round(anchorValue, 2),
          ratio: round(anchorValue / value, 2),
          db,
          n: QUERIES,
        });
        const figures: Figure[] = [
          latency('p95_ms', p95(ms.read), READ_ANCHOR, p95(ms.select)),
          latency('nearby_p95_ms', p95(ms.nearby), NEARBY_ANCHOR, p95(ms.scan)),
          {
            bench: 'availability',
            metric: 'nearby_stores_found_avg',
            value: round(found / QUERIES, 1),
            unit: 'count',
            db,
            n: QUERIES,
          },
          {
            bench: 'availability',
            metric: 'nearby_answers_differing_from_plain_scan',
            value: differ,
            unit: 'queries',
            db,
            n: QUERIES,
          },
        ];
        return figures;
      } finally {
        await hub.stop();
      }
    });
  },
};
