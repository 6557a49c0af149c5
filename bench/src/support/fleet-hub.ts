// A hub process for the fleet benchmarks: `fleet-hub.ts PORT STORES TOKENS_FILE`, on DATABASE_URL or PGlite in
// HUB_DATA_DIR. Seeds STORES stores in one statement (scrypt per store would dominate the run), writes one token per
// store to TOKENS_FILE, prints READY. On a restart it reuses the stores and only mints tokens again.
import { writeFileSync } from 'node:fs';
import { createHub, discoverModules } from '@storefleet/central';
import { uuidv7 } from '@storefleet/shared';
import { stockModule } from './stock-module.js';

const [port, count, tokensFile] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!];
const hub = await createHub({
  port,
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HUB_DATA_DIR,
  metricsToken: process.env.HUB_METRICS_TOKEN || undefined,
  logLevel: 'silent',
  syncHeartbeatMs: Number(process.env.HEARTBEAT_MS ?? 5000),
  modules: [...(await discoverModules()), stockModule],
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
