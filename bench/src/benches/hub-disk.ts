import { createHub, discoverModules } from '@storefleet/central';
import { dbTargets, type DbTarget } from '@storefleet/central/testing';
import { hlcEncode } from '@storefleet/shared';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { withDb } from '../support/bench-db.js';
import {
  bytesOf,
  groupOf,
  growth,
  snapshot,
  sumGroups,
  TABLE_GROUPS,
  type Snapshot,
  type TableGroup,
} from '../support/table-growth.js';
import { tillDay, type TillEvent } from '../support/till-day.js';

/**
 * The hub's disk per store per day (issue #14). Each simulated day every store uploads what its till sends for SALES
 * cash sales (a `stock.moved` per line and a `sale.completed`, some returns; support/till-day.ts) through the real
 * handlers (inventory and the sales ledger), places ORDERS pickup orders over HTTP (holds and feed entries follow, one
 * in five is cancelled) and acknowledges its feed; the hub's clock moves a day at a time. The same days run on two
 * hubs: one with the retention defaults, swept each day; the anchor without any retention; both vacuumed each day (as
 * autovacuum would). Every table is measured (support/table-growth.ts): a table's growth over the last STEADY days, once the
 * 30-day event window is full, is the rows it gained times its bytes per row.
 */
const STORES = Number(process.env.BENCH_STORES ?? process.env.BENCH_DISK_STORES ?? 10);
const DAYS = Number(process.env.BENCH_DISK_DAYS ?? 38);
const SALES = Number(process.env.BENCH_DISK_SALES ?? 300);
const ORDERS = Number(process.env.BENCH_DISK_ORDERS ?? 20);
/** Days at the end over which growth is measured (the 30-day event window is full by then). */
const STEADY = Math.min(6, Math.max(1, DAYS - 32));
const SKUS = 500;
const DAY = 86_400_000;
const FLEET = 5_000;
const WINDOW = 30;
/** Everything but the detachable archives: what the hub's database keeps live. */
const HOT: readonly TableGroup[] = TABLE_GROUPS.filter((g) => g !== 'archive');

interface Lived {
  /** Before the first day (schema, catalog, stores, opening stock). */
  readonly base: Snapshot;
  /** At the end of day DAYS - STEADY, and at the end of the last day. */
  readonly from: Snapshot;
  readonly to: Snapshot;
  readonly sales: number;
  readonly returns: number;
}

/** One hub living DAYS days. */
async function live(place: { databaseUrl?: string; dataDir?: string }, retention: boolean): Promise<Lived> {
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
  try {
    const url = await hub.start();
    const email = 'disk@example.test';
    const password = 'a long enough password';
    await hub.auth.createUser({ email, password, name: 'Bench', role: 'ADMIN' });
    const call = async (cookie: string, path: string, body: unknown) =>
      (
        await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json() as Promise<{ id: string; status: string }>;
    const signIn = async () => {
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    };
    await hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       SELECT 'D-' || g, 'Product ' || g, 'Bench', 500 + g, 'USD', 'STANDARD', 1 FROM generate_series(1, ${SKUS}) g`,
    );
    const products = Array.from({ length: SKUS }, (_, k) => ({ sku: `D-${k + 1}`, priceMinor: 501 + k }));
    const stores: { id: string; seq: number }[] = [];
    for (let s = 0; s < STORES; s++)
      stores.push({
        id: (await hub.fleet.register({ code: `DISK${s}`, name: `Disk ${s}`, kind: 'STORE', lat: 40, lon: -74 }))
          .location.id,
        seq: 0,
      });
    const upload = async (store: { id: string; seq: number }, sent: readonly TillEvent[]) => {
      for (let i = 0; i < sent.length; i += 1000) {
        const events = sent.slice(i, i + 1000).map(({ type, payload }) => {
          store.seq++;
          return {
            origin: store.id,
            seq: store.seq,
            hlc: hlcEncode({ wallMs: Date.now() + clock.offset, counter: store.seq % 65_000, node: store.id }),
            type,
            payload,
          };
        });
        await hub.sync.repo.applyBatch(store.id, events, 0);
      }
    };
    let cookie = await signIn();
    const customer = (await call(cookie, '/api/customers', { name: 'Disk customer' })).id;
    for (const store of stores)
      await upload(
        store,
        products.map((p) => ({
          type: 'stock.moved',
          payload: { sku: p.sku, delta: 1_000_000, kind: 'RECEIVE', at: Date.now() },
        })),
      );
    const base = await snapshot(hub);
    let from = base;
    let sales = 0;
    let returns = 0;
    for (let day = 0; day < DAYS; day++) {
      clock.offset = day * DAY;
      cookie = await signIn(); // sessions last hours: a day later, sign in again
      for (const [s, store] of stores.entries()) {
        const till = tillDay(products, SALES, Date.now() + clock.offset, day * STORES + s + 1);
        sales += till.sales;
        returns += till.returns;
        await upload(store, till.events);
        const placed = await Promise.all(
          Array.from({ length: ORDERS }, (_, i) =>
            call(cookie, '/api/orders', {
              customerId: customer,
              placeKey: `disk-${day}-${s}-${i}`,
              lines: [{ sku: `D-${(i % SKUS) + 1}`, qty: 1 }],
              fulfilment: { type: 'PICKUP', storeId: store.id },
            }),
          ),
        );
        await Promise.all(
          placed.filter((_, i) => i % 5 === 0).map((o) => call(cookie, `/api/orders/${o.id}/cancel`, {})),
        );
        await hub.sync.repo.ackFeed(store.id, await hub.sync.repo.feedHead(store.id)); // a connected store keeps up
      }
      if (retention) await hub.retention.run('bench');
      for (const [t] of base) await hub.db.exec(`VACUUM "${t}"`); // on both hubs, as autovacuum would
      if (day === DAYS - STEADY - 1) from = await snapshot(hub);
      if (day % 10 === 9) console.error(`  ${retention ? 'retention' : 'anchor'}: day ${day + 1} of ${DAYS}`);
    }
    const parked = Number((await hub.db.query<{ n: string }>('SELECT count(*) AS n FROM sync_parked')).rows[0]!.n);
    if (parked) throw new Error(`${parked} events were parked: the bench's events must all apply`);
    return { base, from, to: await snapshot(hub), sales, returns };
  } finally {
    await hub.stop();
  }
}

/** Bytes per store per day each group gained over the steady days. */
function perStoreDay(h: Lived): Record<TableGroup, number> & { grown: Map<string, number> } {
  const grown = growth(h.from, h.to);
  const by = Object.fromEntries(TABLE_GROUPS.map((g) => [g, sumGroups(grown, [g]) / STEADY / STORES])) as Record<
    TableGroup,
    number
  >;
  return { ...by, grown };
}

const hotOf = (g: Record<TableGroup, number>) => HOT.reduce((n, k) => n + g[k], 0);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export const hubDisk: Benchmark = {
  name: 'hub-disk',
  description: `the hub's disk per store per day: ${STORES} stores × ${DAYS} days of ${SALES} till sales (sale events and stock moves) and ${ORDERS} orders, with the retention defaults vs none`,
  async run() {
    // Postgres when DATABASE_URL names one (sizes as production sees them); else PGlite.
    const target: DbTarget = dbTargets.find((t) => t.name === 'postgres') ?? dbTargets[0]!;
    const kept = await withDb(target, (place) => live(place, true));
    const none = await withDb(target, (place) => live(place, false));
    const db = target.name;
    const bench = 'hub-disk';
    const n = STORES * DAYS * SALES;
    const k = perStoreDay(kept);
    const a = perStoreDay(none);
    const hot = hotOf(k);
    const anchorHot = hotOf(a);
    const footprint = (h: Lived) => (bytesOf(h.to, HOT) - bytesOf(h.base, HOT)) / STORES;
    const tables = [...k.grown].filter(([, b]) => b / STEADY / STORES >= 1024).sort((x, y) => y[1] - x[1]);
    console.error(
      `  ${db}: ${kept.sales} sales, ${kept.returns} returns; per store per day over the last ${STEADY} days, with retention: ` +
        TABLE_GROUPS.map((g) => `${g} ${kib(k[g])}`).join(', ') +
        `; without: ${TABLE_GROUPS.map((g) => `${g} ${kib(a[g])}`).join(', ')}\n` +
        `  growing with retention: ${tables.map(([t, b]) => `${t} (${groupOf(t)}) ${kib(b / STEADY / STORES)}`).join(', ')}`,
    );
    const figure = (metric: string, value: number, count = n): Omit<Figure, 'anchor' | 'anchor_value' | 'ratio'> => ({
      bench,
      metric,
      value,
      unit: 'B',
      db,
      n: count,
    });
    const without = 'same-days-without-retention';
    return [
      // What one store adds each day to the tables the hub keeps live, once the 30-day event window is full.
      against(figure('hot_bytes_per_store_day', hot), `${without}-hot-bytes-per-store-day`, anchorHot, false),
      // ...and to the disk as a whole (live + archive) over 30 such days: retention moves bytes, it frees few.
      against(
        figure('disk_bytes_per_store_30_days', WINDOW * (hot + k.archive)),
        `${without}-disk-bytes-per-store-30-days`,
        WINDOW * (anchorHot + a.archive),
        false,
      ),
      against(
        figure(`hot_bytes_per_store_after_${DAYS}_days`, footprint(kept)),
        `${without}-hot-bytes-per-store-after-${DAYS}-days`,
        footprint(none),
        false,
      ),
      { bench, metric: 'archived_bytes_per_store_day', value: round(k.archive), unit: 'B', db, n },
      // With retention, what still grows every day without bound, by part of the hub (sync should be ~0).
      ...HOT.map((g) => ({ bench, metric: `retained_${g}_bytes_per_store_day`, value: round(k[g]), unit: 'B', db, n })),
      against(
        figure(`fleet_hot_bytes_${WINDOW}_days`, FLEET * WINDOW * hot, FLEET * WINDOW),
        `${without}-fleet-hot-bytes-${WINDOW}-days`,
        FLEET * WINDOW * anchorHot,
        false,
      ),
      against(
        figure(`fleet_disk_bytes_${WINDOW}_days`, FLEET * WINDOW * (hot + k.archive), FLEET * WINDOW),
        `${without}-fleet-disk-bytes-${WINDOW}-days`,
        FLEET * WINDOW * (anchorHot + a.archive),
        false,
      ),
    ];
  },
};
