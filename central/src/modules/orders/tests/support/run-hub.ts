// A hub process for the order crash trials: `run-hub.ts PORT [CRASH_AFTER]`, with DATABASE_URL or HUB_DATA_DIR and
// PAYMENT_URL (the provider simulator, outside this process). CRASH_AFTER (a saga step) reaches the hub as a test hook,
// never through the environment the hub reads. Seeds a store with stock once.
// Prints `READY <storeId> <url>` when listening (PORT 0: a free port, so no other process can have taken it first).
import { hlcEncode } from '@storefleet/shared';
import { createHub, discoverModules } from '../../../../index.js';
import { provide } from '../../../../kernel/ports.js';
import { PAYMENTS_PROVIDER } from '../../ports.js';
import { HttpPaymentProvider } from '../../payments.js';

const hub = await createHub({
  port: Number(process.argv[2]),
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HUB_DATA_DIR,
  logLevel: 'silent',
  mode: 'test',
  testHooks: { ordersCrashAfter: process.argv[3] || undefined },
  modules: await discoverModules(),
  // The provider simulator answers in 300 ms; a loaded test machine may take seconds to get the answer across, which
  // must not look like a provider timeout to these trials (they are about crashes).
  externals: [provide(PAYMENTS_PROVIDER, new HttpPaymentProvider(process.env.PAYMENT_URL!, 30_000))],
});
let storeId = (await hub.db.query<{ id: string }>("SELECT id FROM locations WHERE code = 'CRASH'")).rows[0]?.id;
if (!storeId) {
  await hub.auth.createUser({
    email: 'ops@example.test',
    password: 'a long enough password',
    name: 'Ops',
    role: 'ADMIN',
  });
  storeId = (await hub.fleet.register({ code: 'CRASH', name: 'Crash Store', kind: 'STORE', lat: 40, lon: -74 }))
    .location.id;
  await hub.db.query(
    `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ('KETTLE', 'Kettle', 'Home', 3000, 'USD', 'ZERO', 1)`,
  );
  await hub.db.query(
    `INSERT INTO customers (id, name, created_at, updated_at) VALUES ('0190f0f0-0000-7000-8000-0000000c0de1', 'Crash Customer', 1, 1)`,
  );
  await hub.sync.repo.applyBatch(
    storeId,
    [
      {
        origin: storeId,
        seq: 1,
        hlc: hlcEncode({ wallMs: Date.now(), counter: 0, node: storeId }),
        type: 'stock.moved',
        payload: { sku: 'KETTLE', delta: 1000, kind: 'RECEIVE' },
      },
    ],
    0,
  );
}
const url = await hub.start();
process.stdout.write(`READY ${storeId} ${url}\n`);
