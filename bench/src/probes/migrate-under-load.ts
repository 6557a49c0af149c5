/**
 * Probe (not a benchmark of the suite): how long a store's upload waits while a hub applies the migrations of issue
 * #14 to a Postgres holding N events (default 2 M over 5,000 stores). A database of its own is created under
 * DATABASE_URL and dropped after. The schema before the release (sync < 007, orders < 004, no sales) is migrated
 * first, the events loaded, then one store uploads every 50 ms — its origin's row, then sync_events, as
 * SyncRepository.applyBatch does — while the rest of the migrations run. Prints the migration's time, the longest
 * and the p50 upload, and uploads that failed (deadlock). Run: `DATABASE_URL=postgres://… npx tsx
 * bench/src/probes/migrate-under-load.ts`; N=200000 for a quick look.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { discoverModules } from '../../../central/src/kernel/discover-modules.js';
import { hubMigrationSources } from '../../../central/src/hub.js';
import { loadMigrations } from '../../../central/src/migrations/load-migrations.js';
import { migrate } from '../../../central/src/migrations/migrate.js';
import { PgDb } from '../../../central/src/db/pg-db.js';

const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('set DATABASE_URL to a Postgres this probe may create a database on');
const N = Number(process.env.N ?? 2_000_000);
const STORES = 5000;
const perStore = Math.ceil(N / STORES);

const name = `sf_probe_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const db = new PgDb(url.toString());
const loader = new pg.Client({ connectionString: url.toString() });
const store = new pg.Client({ connectionString: url.toString() });
try {
  const released = (f: { module: string; version: number }) =>
    !((f.module === 'sync' && f.version >= 7) || (f.module === 'orders' && f.version >= 4) || f.module === 'sales');
  const files = loadMigrations(hubMigrationSources(await discoverModules()));
  await migrate(db, files.filter(released));
  await loader.connect();
  let t = Date.now();
  await loader.query(`CREATE TEMP TABLE o AS SELECT gen_random_uuid() AS id FROM generate_series(1, ${STORES})`);
  await loader.query(`INSERT INTO sync_events (origin, seq, hlc, type, payload, received_at)
    SELECT o.id, s, lpad(to_hex(1700000000000 + s), 13, '0') || '-0000-' || o.id, 'stock.moved',
           '{"sku":"SF-00001","delta":-1,"kind":"SALE"}'::jsonb, 1700000000000 + s
    FROM o, generate_series(1, ${perStore}) s`);
  await loader.query(`INSERT INTO sync_origins (store_id, acked_seq) SELECT id, ${perStore} FROM o`);
  await loader.query('ANALYZE sync_events');
  console.error(`loaded ${perStore * STORES} events in ${Date.now() - t} ms`);
  const { rows } = await loader.query<{ id: string }>('SELECT id FROM o LIMIT 1');
  const origin = rows[0]!.id;

  await store.connect();
  const waits: number[] = [];
  const failures: string[] = [];
  let stop = false;
  const uploads = (async () => {
    for (let seq = perStore + 1; !stop; seq++) {
      const s = Date.now();
      try {
        await store.query('BEGIN');
        await store.query('SELECT acked_seq FROM sync_origins WHERE store_id = $1 FOR UPDATE', [origin]);
        await store.query(
          `INSERT INTO sync_events (origin, seq, hlc, type, payload, received_at) VALUES ($1, $2, $3, 't', 'null', $4)`,
          [origin, seq, `${(1_800_000_000_000 + seq).toString(16).padStart(13, '0')}-0000-${origin}`, Date.now()],
        );
        await store.query('UPDATE sync_origins SET acked_seq = $2 WHERE store_id = $1', [origin, seq]);
        await store.query('COMMIT');
      } catch (err) {
        failures.push(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
        await store.query('ROLLBACK').catch(() => undefined);
      }
      waits.push(Date.now() - s);
      await sleep(50);
    }
  })();
  await sleep(300);
  t = Date.now();
  let migrationError: unknown;
  const report = await migrate(db, files, { log: { info: () => {}, warn: (_f, m) => console.error(`  ${m}`) } }).catch(
    (err: unknown) => {
      migrationError = err;
      return { applied: [] as string[] };
    },
  );
  const took = Date.now() - t;
  stop = true;
  await uploads;
  const sorted = [...waits].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      n: perStore * STORES,
      migration_ms: took,
      applied: report.applied.length,
      migration_error: migrationError ? (migrationError as Error).message : null,
      uploads: waits.length,
      upload_max_ms: sorted[sorted.length - 1] ?? 0,
      upload_p50_ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
      upload_failures: failures,
    }),
  );
} finally {
  await store.end().catch(() => undefined);
  await loader.end().catch(() => undefined);
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
