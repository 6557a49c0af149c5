import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { hlcEncode } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '@storefleet/store-node';
import { round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { tillDay, type TillEvent, type TillProduct } from '../support/till-day.js';

const SKUS = Number(process.env.BENCH_SKUS ?? 100_000);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 150_000);

const DAY = 86_400_000;
const sku = (g: number) => `SF-${String(g).padStart(6, '0')}`;

/**
 * The store's own history as the hub holds it after HISTORY events came up through sync: what its till sent over the
 * last days (support/till-day.ts: a `stock.moved` per line and a `sale.completed` per cash sale, some returns, with
 * the till's payloads), spread over six days, written as the sync apply path writes them into `sync_events` (origin,
 * seq, HLC, type, payload, received_at) and `sync_origins`. Written in bulk: applying 150,000 events through the
 * handlers would take the hub minutes, and only the rows and their size matter to the cold start.
 */
async function writeHistory(hub: Hub, storeId: string, products: readonly TillProduct[], now: number): Promise<number> {
  const from = now - 6 * DAY;
  const step = (6 * DAY) / HISTORY;
  let seq = 0;
  for (let day = 0; seq < HISTORY; day++) {
    const at = Math.round(from + seq * step);
    const events: TillEvent[] = tillDay(products, 1000, at, day + 1).events.slice(0, HISTORY - seq);
    const seqs = events.map((_, i) => seq + i + 1);
    const times = seqs.map((n) => Math.round(from + n * step));
    await hub.db.query(
      `INSERT INTO sync_events (origin, seq, hlc, type, payload, received_at)
       SELECT $1::uuid, s, h, t, p::jsonb, r FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS x(s, h, t, p, r)`,
      [
        storeId,
        seqs,
        seqs.map((n, i) => hlcEncode({ wallMs: times[i]!, counter: n % 65_000, node: storeId })),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.payload)),
        times,
      ],
    );
    seq += events.length;
  }
  await hub.db.query('INSERT INTO sync_origins (store_id, acked_seq, last_event_at) VALUES ($1, $2, $3)', [
    storeId,
    seq,
    now,
  ]);
  return seq;
}

/** A new store's cold start: the catalog and its stock (SKUS each) plus 7 days of its own history (HISTORY events). */
export const syncBootstrap: Benchmark = {
  name: 'sync-bootstrap',
  description: `cold start of a store: ${SKUS} skus + their stock + ${HISTORY} history events`,
  async run() {
    const figures: Figure[] = [];
    for (const target of benchTargets) {
      await withDb(target, async (place) => {
        const hub = await createHub({
          port: 0,
          logLevel: 'silent',
          ...place,
          modules: await discoverModules(),
        });
        let dir: string | undefined;
        let node: StoreNode | undefined;
        try {
          const url = await hub.start();
          const { location, credential } = await hub.fleet.register({
            code: 'BOOT',
            name: 'Boot',
            kind: 'STORE',
            lat: 0,
            lon: 0,
          });
          const now = Date.now();
          await hub.db.query(
            `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
             SELECT 'SF-' || lpad(g::text, 6, '0'), lpad((g * 7)::text, 14, '0'), 'Product number ' || g, 'Brand ' || (g % 300), '1 ea',
                    'Category ' || (g % 40), 99 + (g % 5000), 'USD', 'STANDARD', $1
             FROM generate_series(1, ${SKUS}) g`,
            [now],
          );
          await hub.db.query(
            `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) SELECT $1, 'SF-' || lpad(g::text, 6, '0'), g % 97, $2 FROM generate_series(1, ${SKUS}) g`,
            [location.id, now],
          );
          const products = Array.from({ length: SKUS }, (_, k) => ({
            sku: sku(k + 1),
            priceMinor: 99 + ((k + 1) % 5000),
          }));
          await writeHistory(hub, location.id, products, now);
          dir = mkdtempSync(join(tmpdir(), 'sf-boot-'));
          node = createStoreNode({
            dbPath: join(dir, 'store.sqlite'),
            port: 0,
            logLevel: 'silent',
            hub: { url, ...credential! },
          });
          const started = performance.now();
          await node.start();
          const deadline = Date.now() + 300_000;
          while (node.sync.bootstrap!.progress().state !== 'done') {
            if (Date.now() > deadline)
              throw new Error(`bootstrap did not finish: ${JSON.stringify(node.sync.bootstrap!.progress())}`);
            await new Promise((r) => setTimeout(r, 10));
          }
          const seconds = (performance.now() - started) / 1000;
          const sections = node.sync.bootstrap!.progress().sections;
          const rows = sections.reduce((n, s) => n + s.rows, 0);
          await node.stop();
          const history = sections.find((s) => s.name === 'history')?.rows ?? 0;
          check(history === HISTORY, `the store got ${history} of its ${HISTORY} history events`);
          for (const s of sections)
            check(s.rows === s.total, `section ${s.name}: ${s.rows} of ${s.total} rows arrived`);
          const db = hub.db.dialect;
          console.error(`  ${db}: ${rows} rows in ${seconds.toFixed(1)} s`);
          figures.push({
            bench: 'sync-bootstrap',
            metric: 'bootstrap_s',
            value: round(seconds, 1),
            unit: 's',
            db,
            n: rows,
          });
          figures.push({
            bench: 'sync-bootstrap',
            metric: 'rows_per_s',
            value: Math.round(rows / seconds),
            unit: '1/s',
            db,
            n: rows,
          });
        } finally {
          await node?.stop();
          await hub.stop();
          if (dir) rmSync(dir, { recursive: true, force: true });
        }
      });
    }
    return figures;
  },
};
