// A hub process for the bulk job crash trial: `support-bulk-hub.ts`, with DATABASE_URL or HUB_DATA_DIR. Seeds (once)
// an admin, PRODUCTS catalog products and the tag `crash`; runs bulk jobs in chunks of BATCH, each a little slowed (a
// test seam of this process only) so a job spans seconds and the trial can kill the process midway.
// Prints `READY <url>` when listening.
import { createHub } from '../../../index.js';
import { tagsParts } from '../index.js';
import { tagsModules } from './support-hub.js';

export const PRODUCTS = 6_000;
export const BATCH = 100;
export const ADMIN = { email: 'ops@example.test', password: 'a long enough password' };

const { modules, context } = await tagsModules();
const hub = await createHub({
  port: 0,
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HUB_DATA_DIR,
  logLevel: 'silent',
  mode: 'test',
  modules,
  tuning: { tagsBulkBatch: BATCH },
});
const seeded = (await hub.db.query("SELECT 1 FROM tags WHERE slug = 'crash'")).rows.length > 0;
if (!seeded) {
  await hub.auth.createUser({ ...ADMIN, name: 'Ops', role: 'ADMIN' });
  await hub.db.query(
    `INSERT INTO catalog_products (sku, name, category, price_minor, tax_class, updated_at)
     SELECT 'CRASH-' || lpad(i::text, 5, '0'), 'Product ' || i, 'Test', 100, 'STANDARD', 1
     FROM generate_series(1, $1::int) AS i`,
    [PRODUCTS],
  );
  await hub.db.query(
    `INSERT INTO tags (slug, name, kind, parent_id, path, depth, created_at, updated_at, version)
     VALUES ('crash', 'Crash', 'PROMOTION', NULL, 'crash', 1, 1, 1, nextval('tags_version'))`,
  );
}
const url = await hub.start();
tagsParts(context()).bulk.beforeChunk = () => new Promise((r) => setTimeout(r, 30));
process.stdout.write(`READY ${url}\n`);
