// A hub process for the chaos trials: `run-hub.ts PORT` with DATABASE_URL or HUB_DATA_DIR. Prints READY when listening.
import { createHub, discoverModules } from '@storefleet/central';
import { ledgerModule } from './ledger-module.js';

const hub = await createHub({
  port: Number(process.argv[2]),
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HUB_DATA_DIR,
  logLevel: 'silent',
  mode: 'test',
  syncHeartbeatMs: 1000,
  modules: [...(await discoverModules()), ledgerModule],
});
await hub.start();
process.stdout.write('READY\n');
