import { createHub, discoverModules } from '@storefleet/central';
import { hlcEncode } from '@storefleet/shared';
import { round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { benchTuning } from '../support/bench-tuning.js';
import { percentile } from '../support/memory-store.js';

const CLIENTS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const STORES = 20;
const SKUS = 50;

/** Orders placed end to end over HTTP (reserve → authorise → fulfil → confirm, each step committed), 16 clients. */
export const ordersBench: Benchmark = {
  name: 'orders',
  description: `orders placed end to end over HTTP by ${CLIENTS} concurrent clients (pickup at ${STORES} stores, simulated payments)`,
  async run() {
    const figures: Figure[] = [];
    for (const target of benchTargets) {
      await withDb(target, async (place) => {
        const hub = await createHub({
          port: 0,
          logLevel: 'silent',
          mode: 'test',
          ...place,
          modules: await discoverModules(),
          tuning: benchTuning(),
        });
        try {
          const url = await hub.start();
          await hub.auth.createUser({
            email: 'bench@example.test',
            password: 'a long enough password',
            name: 'Bench',
            role: 'ADMIN',
          });
          const login = await fetch(`${url}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'bench@example.test', password: 'a long enough password' }),
          });
          const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
          await hub.db.query(
            `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
             SELECT 'P-' || g, 'Product ' || g, 'Bench', 500 + g, 'USD', 'STANDARD', 1 FROM generate_series(1, ${SKUS}) g`,
          );
          const stores: string[] = [];
          for (let s = 0; s < STORES; s++) {
            const { location } = await hub.fleet.register({
              code: `OB${s}`,
              name: `Bench ${s}`,
              kind: 'STORE',
              lat: 40,
              lon: -74,
            });
            stores.push(location.id);
            await hub.sync.repo.applyBatch(
              location.id,
              Array.from({ length: SKUS }, (_, k) => ({
                origin: location.id,
                seq: k + 1,
                hlc: hlcEncode({ wallMs: Date.now(), counter: k, node: location.id }),
                type: 'stock.moved',
                payload: { sku: `P-${k + 1}`, delta: 1_000_000, kind: 'RECEIVE' },
              })),
              0,
            );
          }
          const customers: string[] = [];
          for (let c = 0; c < CLIENTS; c++)
            customers.push(
              (
                (await (
                  await fetch(`${url}/api/customers`, {
                    method: 'POST',
                    headers: { cookie, 'content-type': 'application/json' },
                    body: JSON.stringify({ name: `Client ${c}` }),
                  })
                ).json()) as { id: string }
              ).id,
            );

          const latencies: number[] = [];
          let failed = 0;
          let n = 0;
          const end = performance.now() + SECONDS * 1000;
          const client = async (c: number) => {
            for (let i = 0; performance.now() < end && i < 100_000; i++) {
              const t0 = performance.now();
              const res = await fetch(`${url}/api/orders`, {
                method: 'POST',
                headers: { cookie, 'content-type': 'application/json' },
                body: JSON.stringify({
                  customerId: customers[c],
                  placeKey: `bench-${c}-${i}`,
                  lines: [
                    { sku: `P-${(i % SKUS) + 1}`, qty: 1 },
                    { sku: `P-${((i + 7) % SKUS) + 1}`, qty: 2 },
                  ],
                  fulfilment: { type: 'PICKUP', storeId: stores[(c + i) % STORES] },
                }),
              });
              const order = (await res.json()) as { status: string };
              latencies.push(performance.now() - t0);
              if (order.status !== 'CONFIRMED') failed++;
              n++;
            }
          };
          const t0 = performance.now();
          await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
          const seconds = (performance.now() - t0) / 1000;
          const db = hub.db.dialect;
          if (failed) throw new Error(`${failed} of ${n} orders did not confirm`);
          console.error(
            `  ${db}: ${n} orders in ${seconds.toFixed(1)} s, p95 ${percentile(latencies, 95).toFixed(1)} ms`,
          );
          figures.push({ bench: 'orders', metric: 'orders_per_s', value: Math.round(n / seconds), unit: '1/s', db, n });
          figures.push({
            bench: 'orders',
            metric: 'place_p95_ms',
            value: round(percentile(latencies, 95), 1),
            unit: 'ms',
            db,
            n,
          });
        } finally {
          await hub.stop();
        }
      });
    }
    return figures;
  },
};
