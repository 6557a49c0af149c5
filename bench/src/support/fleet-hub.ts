// A hub process for the fleet benchmarks: `fleet-hub.ts PORT STORES TOKENS_FILE`, on DATABASE_URL or PGlite in
// HUB_DATA_DIR, with the hub's own modules only (the stores' till events go to the real inventory and sales handlers).
// On its first start it seeds STORES stores in one statement (scrypt per store would dominate the run), the fleet's
// catalog and every store's opening stock (the counters the sales then move), and a head-office user the bench signs
// in as to read the hub's stock; it writes one token per store to TOKENS_FILE and prints READY. On a restart it reuses
// all of that and only mints tokens again.
import { writeFileSync } from 'node:fs';
import { createHub, discoverModules } from '@storefleet/central';
import { uuidv7 } from '@storefleet/shared';
import { BENCH_PASSWORD } from './hub-calls.js';
import { FLEET_ADMIN, FLEET_OPENING_STOCK, FLEET_PRODUCTS } from './fleet-catalog.js';

const [port, count, tokensFile] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!];
const hub = await createHub({
  port,
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HUB_DATA_DIR,
  metricsToken: process.env.HUB_METRICS_TOKEN || undefined,
  logLevel: 'silent',
  syncHeartbeatMs: Number(process.env.HEARTBEAT_MS ?? 5000),
  modules: await discoverModules(),
});
const existing = await hub.db.query<{ id: string }>("SELECT id FROM locations WHERE kind = 'STORE' ORDER BY code");
let ids = existing.rows.map((r) => r.id);
if (ids.length < count) {
  const fresh = Array.from({ length: count - ids.length }, () => uuidv7());
  const now = Date.now();
  await hub.db.query(
    `INSERT INTO locations (id, code, name, kind, lat, lon, secret_hash, created_at, updated_at)
     SELECT id, 'F' || lpad(n::text, 5, '0'), 'Fleet store ' || n, 'STORE', 40, -74, 'unused', $2, $2
     FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)`,
    [fresh, now],
  );
  await hub.db.query(
    `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
     SELECT sku, 'Fleet product ' || sku, 'Bench', price, 'USD', 'STANDARD', $3
     FROM unnest($1::text[], $2::bigint[]) AS x(sku, price) ON CONFLICT (sku) DO NOTHING`,
    [FLEET_PRODUCTS.map((p) => p.sku), FLEET_PRODUCTS.map((p) => p.priceMinor), now],
  );
  await hub.db.query(
    `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at)
     SELECT s, p, $3, $4 FROM unnest($1::uuid[]) AS s, unnest($2::text[]) AS p`,
    [fresh, FLEET_PRODUCTS.map((p) => p.sku), FLEET_OPENING_STOCK, now],
  );
  if (!ids.length)
    await hub.auth.createUser({ email: FLEET_ADMIN, password: BENCH_PASSWORD, name: 'Fleet admin', role: 'ADMIN' });
  ids = [...ids, ...fresh];
}
const tokens = await Promise.all(
  ids
    .slice(0, count)
    .map(async (id) => ({ id, token: (await hub.auth.tokens.issue(id, 1, Date.now(), 6 * 3600)).token })),
);
writeFileSync(tokensFile, JSON.stringify(tokens));
await hub.start();
process.stdout.write('READY\n');
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
