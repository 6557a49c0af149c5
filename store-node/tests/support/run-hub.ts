// A hub process for the chaos trials: `run-hub.ts PORT` with DATABASE_URL or HUB_DATA_DIR, with the hub's own modules
// only (the stores' `stock.moved` go through the real inventory handler). With CHAOS_SETUP='{"skus":[…],"store":"CODE"}'
// (first start only) it puts the skus in the catalog, registers the store and prints `STORE <id> <secret>`. Prints
// `URL <url>` then READY when listening (PORT 0: a free port of its own, so no other process can have taken it first).
import { createHub, discoverModules } from '@storefleet/central';

const hub = await createHub({
  port: Number(process.argv[2]),
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HUB_DATA_DIR,
  logLevel: 'silent',
  mode: 'test',
  syncHeartbeatMs: 1000,
  modules: await discoverModules(),
});
if (process.env.CHAOS_SETUP) {
  const setup = JSON.parse(process.env.CHAOS_SETUP) as { skus: string[]; store: string };
  for (const [i, sku] of setup.skus.entries())
    await hub.db.query(
      `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at)
       VALUES ($1, NULL, $2, 'Test', $3, 'USD', 'STANDARD', 1)`,
      [sku, `Product ${sku}`, 199 + 100 * i],
    );
  const { credential } = await hub.fleet.register({ code: setup.store, name: 'Chaos', kind: 'STORE', lat: 0, lon: 0 });
  process.stdout.write(`STORE ${credential!.storeId} ${credential!.secret}\n`);
}
const url = await hub.start();
process.stdout.write(`URL ${url}\nREADY\n`);
