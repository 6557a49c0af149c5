// One hub replica of the fleet trial (bench fleet-black-friday), run as its own process so the trial can SIGKILL it:
// `fleet-bf-hub.ts PLAN_FILE` with PORT, DATABASE_URL, NATS_URL (optional), REPLICA, HUB_METRICS_TOKEN and LOG_FILE in
// its environment. It is the production hub (createHub with every module, HUB_MODE test only for the payment
// simulator and the request limits' test defaults) with the process-level handling `npm run hub` has (a fatal error
// ends the process). With SEED=1 it first seeds the trial's plan (stores, catalog, opening stock, a head-office user)
// and writes one token per store to the plan's tokens file. It prints READY once it listens.
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createHub, discoverModules } from '@storefleet/central';
import { exitOnFatalErrors } from '@storefleet/shared';
import type { TrialPlan } from './fleet-bf-plan.js';

const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TrialPlan;
const logFile = createWriteStream(process.env.LOG_FILE ?? '/dev/null', { flags: 'a' });
const hub = await createHub({
  port: Number(process.env.PORT),
  host: '127.0.0.1',
  databaseUrl: process.env.DATABASE_URL,
  natsUrl: process.env.NATS_URL || undefined,
  replica: process.env.REPLICA,
  metricsToken: process.env.HUB_METRICS_TOKEN || undefined,
  mode: 'test',
  logLevel: 'warn',
  logDestination: { write: (line: string) => void logFile.write(line) },
  modules: await discoverModules(),
});
exitOnFatalErrors(hub.log);

if (process.env.SEED === '1') {
  const now = Date.now();
  const ids = plan.stores.map((s) => s.id);
  await hub.db.query(
    `INSERT INTO locations (id, code, name, kind, lat, lon, secret_hash, created_at, updated_at)
     SELECT id, code, 'Trial store ' || code, 'STORE', lat, lon, 'unused', $5, $5
     FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[]) AS x(id, code, lat, lon)`,
    [ids, plan.stores.map((s) => s.code), plan.stores.map((s) => s.lat), plan.stores.map((s) => s.lon), now],
  );
  const products = [...plan.normalProducts, ...plan.hotProducts];
  await hub.db.query(
    `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
     SELECT sku, 'Trial product ' || sku, 'Bench', price, 'USD', 'STANDARD', $3
     FROM unnest($1::text[], $2::bigint[]) AS x(sku, price) ON CONFLICT (sku) DO NOTHING`,
    [products.map((p) => p.sku), products.map((p) => p.priceMinor), now],
  );
  // Opening stock: plenty of the everyday products everywhere; of the hot ones a few units (more at the busy stores).
  await hub.db.query(
    `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at)
     SELECT s, p, $3, $4 FROM unnest($1::uuid[]) AS s, unnest($2::text[]) AS p`,
    [ids, plan.normalProducts.map((p) => p.sku), plan.normalStock, now],
  );
  for (const hot of [true, false])
    await hub.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at)
       SELECT s, p, $3, $4 FROM unnest($1::uuid[]) AS s, unnest($2::text[]) AS p`,
      [
        plan.stores.filter((s) => s.hot === hot).map((s) => s.id),
        plan.hotProducts.map((p) => p.sku),
        hot ? plan.hotStockBusy : plan.hotStockQuiet,
        now,
      ],
    );
  // The opening stock in the movement history too (a warehouse RECEIVE, no store seq), as a real delivery would be:
  // the replay check rebuilds on-hand from the movements alone, and a row seeded only into inventory_stock would be a
  // difference of the bench's making.
  await hub.db.query(
    `INSERT INTO inventory_movements (store_id, sku, delta, kind, source, origin_seq, at)
     SELECT store_id, sku, on_hand, 'RECEIVE', 'WAREHOUSE', NULL, $1 FROM inventory_stock`,
    [now],
  );
  await hub.auth.createUser({
    email: plan.admin.email,
    password: plan.admin.password,
    name: 'Trial admin',
    role: 'ADMIN',
  });
  const tokens = await Promise.all(
    ids.map(async (id) => ({ id, token: (await hub.auth.tokens.issue(id, 1, Date.now(), 6 * 3600)).token })),
  );
  writeFileSync(plan.tokensFile, JSON.stringify(tokens));
}
await hub.start();
process.stdout.write('READY\n');
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
