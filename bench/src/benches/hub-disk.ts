import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { dbTargets, type DbTarget } from '@storefleet/central/testing';
import { hlcEncode } from '@storefleet/shared';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { withDb } from '../support/bench-db.js';

/**
 * The hub's disk per store per day (issue #14). Each simulated day every store uploads SALES sales as `stock.moved`
 * events through the real inventory handler, places ORDERS pickup orders over HTTP (holds and feed entries follow,
 * one in five is cancelled) and acknowledges its feed; the hub's clock moves a day at a time. The same days run on two
 * hubs: one with the retention defaults, swept and vacuumed (as autovacuum would) each day; the anchor without any
 * retention, what the hub holds today. Sizes are pg_total_relation_size of the sync and order tables.
 */
const STORES = Number(process.env.BENCH_DISK_STORES ?? 2);
const DAYS = Number(process.env.BENCH_DISK_DAYS ?? 40);
const SALES = Number(process.env.BENCH_DISK_SALES ?? 1500);
const ORDERS = Number(process.env.BENCH_DISK_ORDERS ?? 20);
/** Days at the end over which steady-state growth is measured (the 30-day event window is full by then). */
const STEADY = Math.min(6, Math.max(1, DAYS - 32));
const SKUS = 500;
const DAY = 86_400_000;
const FLEET = 5_000;
const FLEET_DAYS = 30;
const HOT = ['sync_events', 'sync_feed', 'sync_parked', 'order_events', 'orders'];
const ARCHIVES = ['sync_events_archive', 'order_events_archive'];

interface Sizes {
  readonly hot: number;
  readonly archive: number;
  /** Stock movement history (the inventory module's, partitioned by month, outside retention): shown for scale. */
  readonly movements: number;
}

async function sizes(hub: Hub): Promise<Sizes> {
  const sum = async (sql: string, tables: readonly string[]) => Number((await hub.db.query<{ b: number }>(sql, [tables])).rows[0]!.b ?? 0);
  const partitions = `SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) AS b FROM pg_inherits i WHERE i.inhparent::regclass::text = ANY($1::text[])`;
  return {
    hot: await sum('SELECT coalesce(sum(pg_total_relation_size(t::regclass)), 0) AS b FROM unnest($1::text[]) t', HOT),
    archive: await sum(partitions, ARCHIVES),
    movements: await sum(partitions, ['inventory_movements']),
  };
}

/** One hub living DAYS days; returns its sizes at the end of each day. */
async function live(place: { databaseUrl?: string; dataDir?: string }, retention: boolean): Promise<Sizes[]> {
  const clock = { offset: 0 };
  const hub = await createHub({
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    ...place,
    now: () => Date.now() + clock.offset,
    modules: await discoverModules(),
    retention: { everyMinutes: 0 },
  });
  const out: Sizes[] = [];
  try {
    const url = await hub.start();
    const email = 'disk@example.test';
    const password = 'a long enough password';
    await hub.auth.createUser({ email, password, name: 'Bench', role: 'ADMIN' });
    const call = async (cookie: string, path: string, body: unknown) =>
      (await fetch(`${url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<{ id: string; status: string }>;
    const signIn = async () => {
      const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    };
    await hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       SELECT 'D-' || g, 'Product ' || g, 'Bench', 500 + g, 'USD', 'STANDARD', 1 FROM generate_series(1, ${SKUS}) g`,
    );
    const stores: { id: string; seq: number }[] = [];
    for (let s = 0; s < STORES; s++) stores.push({ id: (await hub.fleet.register({ code: `DISK${s}`, name: `Disk ${s}`, kind: 'STORE', lat: 40, lon: -74 })).location.id, seq: 0 });
    const upload = async (store: { id: string; seq: number }, moves: { sku: string; delta: number; kind: string }[]) => {
      for (let i = 0; i < moves.length; i += 1000) {
        const events = moves.slice(i, i + 1000).map((payload) => {
          store.seq++;
          return { origin: store.id, seq: store.seq, hlc: hlcEncode({ wallMs: Date.now() + clock.offset, counter: store.seq % 65_000, node: store.id }), type: 'stock.moved', payload };
        });
        await hub.sync.repo.applyBatch(store.id, events, 0);
      }
    };
    let cookie = await signIn();
    const customer = (await call(cookie, '/api/customers', { name: 'Disk customer' })).id;
    for (const store of stores) await upload(store, Array.from({ length: SKUS }, (_, k) => ({ sku: `D-${k + 1}`, delta: 1_000_000, kind: 'RECEIVE' })));
    for (let day = 0; day < DAYS; day++) {
      clock.offset = day * DAY;
      cookie = await signIn(); // sessions last hours: a day later, sign in again
      for (const [s, store] of stores.entries()) {
        await upload(store, Array.from({ length: SALES }, (_, i) => ({ sku: `D-${((i * 7919) % SKUS) + 1}`, delta: -1, kind: 'SALE' })));
        const placed = await Promise.all(
          Array.from({ length: ORDERS }, (_, i) =>
            call(cookie, '/api/orders', { customerId: customer, placeKey: `disk-${day}-${s}-${i}`, lines: [{ sku: `D-${(i % SKUS) + 1}`, qty: 1 }], fulfilment: { type: 'PICKUP', storeId: store.id } }),
          ),
        );
        await Promise.all(placed.filter((_, i) => i % 5 === 0).map((o) => call(cookie, `/api/orders/${o.id}/cancel`, {})));
        await hub.sync.repo.ackFeed(store.id, await hub.sync.repo.feedHead(store.id)); // a connected store keeps up
      }
      if (retention) {
        await hub.retention.run('bench');
        for (const t of [...HOT, ...ARCHIVES]) await hub.db.exec(`VACUUM ${t}`);
      }
      out.push(await sizes(hub));
      if (day % 10 === 9) console.error(`  ${retention ? 'retention' : 'anchor'}: day ${day + 1} of ${DAYS}, hot ${(out.at(-1)!.hot / 1e6).toFixed(1)} MB`);
    }
  } finally {
    await hub.stop();
  }
  return out;
}

const perStoreDay = (series: Sizes[], key: keyof Sizes) => (series.at(-1)![key] - series.at(-1 - STEADY)![key]) / STEADY / STORES;

export const hubDisk: Benchmark = {
  name: 'hub-disk',
  description: `the hub's disk per store per day: ${STORES} stores × ${DAYS} days of ${SALES} sales and ${ORDERS} orders, with the retention defaults vs none`,
  async run() {
    // Postgres when DATABASE_URL names one (sizes as production sees them); else PGlite.
    const target: DbTarget = dbTargets.find((t) => t.name === 'postgres') ?? dbTargets[0]!;
    const kept = await withDb(target, (place) => live(place, true));
    const anchor = await withDb(target, (place) => live(place, false));
    const db = target.name;
    const n = STORES * DAYS * SALES;
    const bench = 'hub-disk';
    const hotGrowth = perStoreDay(kept, 'hot');
    const anchorGrowth = perStoreDay(anchor, 'hot');
    const archived = perStoreDay(kept, 'archive');
    const footprint = kept.at(-1)!.hot / STORES;
    const anchorFootprint = anchor.at(-1)!.hot / STORES;
    const fleet = FLEET * FLEET_DAYS * (hotGrowth + archived);
    console.error(
      `  ${db}: per store per day, hot grows ${fmt(hotGrowth)} with retention vs ${fmt(anchorGrowth)} without; ${fmt(archived)} archived; ` +
        `stock movements ${fmt(perStoreDay(kept, 'movements'))} (inventory history, outside retention)`,
    );
    const figures: Figure[] = [
      // What a store adds to the hot tables each day once the windows are full (orders and their open timelines grow
      // on; events and feed entries leave as fast as they come) vs what it adds today, forever.
      against({ bench, metric: 'hot_bytes_per_store_day', value: hotGrowth, unit: 'B', db, n }, 'no-retention-hot-bytes-per-store-day', anchorGrowth, false),
      against({ bench, metric: 'hot_bytes_per_store', value: footprint, unit: 'B', db, n }, `no-retention-hot-bytes-per-store-after-${DAYS}-days`, anchorFootprint, false),
      // The anchor archives nothing, so no ratio: this is what moves to the detachable archive each day.
      { bench, metric: 'archived_bytes_per_store_day', value: round(archived), unit: 'B', db, n },
      against({ bench, metric: 'fleet_bytes_30_days', value: fleet, unit: 'B', db, n: FLEET * FLEET_DAYS }, 'no-retention-fleet-bytes-30-days', FLEET * FLEET_DAYS * anchorGrowth, false),
      { bench, metric: 'fleet_hot_bytes', value: round(FLEET * footprint), unit: 'B', db, n: FLEET },
    ];
    return figures;
  },
};

const fmt = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
