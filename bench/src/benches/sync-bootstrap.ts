import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, discoverModules } from '@storefleet/central';
import { createStoreNode } from '@storefleet/store-node';
import { round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { stockModule } from '../support/stock-module.js';

const SKUS = Number(process.env.BENCH_SKUS ?? 100_000);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 150_000);

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
          modules: [...(await discoverModules()), stockModule],
        });
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
          await hub.db.query(
            `INSERT INTO sync_events (origin, seq, hlc, type, payload, received_at)
             SELECT $1::uuid, g, lpad(to_hex($2::bigint - g), 13, '0') || '-0000-' || $1::text, 'sale', jsonb_build_object('sku', 'SF-' || lpad((g % ${SKUS} + 1)::text, 6, '0'), 'qty', 1), $2::bigint - g * 1000
             FROM generate_series(1, ${HISTORY}) g`,
            [location.id, now],
          );
          await hub.db.query('INSERT INTO sync_origins (store_id, acked_seq) VALUES ($1, $2)', [location.id, HISTORY]);
          const node = createStoreNode({
            dbPath: join(mkdtempSync(join(tmpdir(), 'sf-boot-')), 'store.sqlite'),
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
          const rows = node.sync.bootstrap!.progress().sections.reduce((n, s) => n + s.rows, 0);
          await node.stop();
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
          await hub.stop();
        }
      });
    }
    return figures;
  },
};
