import { createHub, discoverModules } from '@storefleet/central';
import { uuidv7 } from '@storefleet/shared';
import { round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { percentile } from '../support/memory-store.js';

const STORES = Number(process.env.BENCH_STORES ?? 5000);
const SKUS = Number(process.env.BENCH_SKUS ?? 200);
const QUERIES = 2000;

/** Reads against STORES × SKUS stock rows: one store/sku level, and stores within 25 km with stock, nearest first. */
export const availabilityBench: Benchmark = {
  name: 'availability',
  description: `p95 of a store/sku read and of a nearby-stores query over ${STORES} stores × ${SKUS} skus`,
  async run() {
    return withDb(benchTargets[0]!, async (place) => {
      const hub = await createHub({ port: 0, logLevel: 'silent', ...place, modules: await discoverModules() });
      try {
        await hub.start();
        const ids = Array.from({ length: STORES }, () => uuidv7());
        // Stores scattered over the continental US (lat 30–47, lon −122…−72), as a real fleet would be.
        await hub.db.query(
          `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
           SELECT id, 'A' || n, 'Store ' || n, 'STORE', 30 + (n * 7919 % 1700) / 100.0, -122 + (n * 104729 % 5000) / 100.0, 0, 0
           FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)`,
          [ids],
        );
        await hub.db.query(
          `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at)
           SELECT s, 'SKU-' || g, (hashtext(s::text || g) & 15), 0 FROM unnest($1::uuid[]) AS s, generate_series(1, ${SKUS}) g`,
          [ids],
        );
        await hub.db.exec('ANALYZE inventory_stock; ANALYZE locations;');
        const { InventoryRepository } = await import('../../../central/src/modules/inventory/repository.js');
        const repo = new InventoryRepository(hub.db);
        const time = async (fn: () => Promise<unknown>) => {
          const ms: number[] = [];
          for (let i = 0; i < QUERIES; i++) {
            const t = performance.now();
            await fn();
            ms.push(performance.now() - t);
          }
          return ms;
        };
        const sku = () => `SKU-${1 + Math.floor(Math.random() * SKUS)}`;
        const level = await time(() => repo.level(ids[Math.floor(Math.random() * STORES)]!, sku()));
        // Points near a random store (within ~0.3°), so queries find what a shopper in a town with stores would find.
        const coords = (await hub.db.query<{ lat: number; lon: number }>('SELECT lat, lon FROM locations')).rows;
        let found = 0;
        const nearby = await time(async () => {
          const c = coords[Math.floor(Math.random() * coords.length)]!;
          found += (
            await repo.nearby(
              sku(),
              c.lat + (Math.random() - 0.5) * 0.6,
              c.lon + (Math.random() - 0.5) * 0.6,
              50,
              1,
              20,
            )
          ).length;
        });
        const db = hub.db.dialect;
        const n = STORES * SKUS;
        const figures: Figure[] = [
          { bench: 'availability', metric: 'p95_ms', value: round(percentile(level, 95), 2), unit: 'ms', db, n },
          {
            bench: 'availability',
            metric: 'nearby_p95_ms',
            value: round(percentile(nearby, 95), 2),
            unit: 'ms',
            db,
            n,
          },
          {
            bench: 'availability',
            metric: 'nearby_stores_found_avg',
            value: round(found / QUERIES, 1),
            unit: 'count',
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
