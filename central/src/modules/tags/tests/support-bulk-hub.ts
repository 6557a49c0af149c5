// A hub process for the bulk job crash trial: `support-bulk-hub.ts`, with DATABASE_URL or HUB_DATA_DIR. Seeds (once)
// an admin, PRODUCTS catalog products and the tag `crash`; runs bulk jobs in chunks of BATCH, each a little slowed (a
// test seam of this process only) so a job spans seconds and the trial can kill the process midway.
// Prints `READY <url>` when listening.
import { createHub, discoverModules } from '../../../index.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { tagsParts } from '../index.js';

export const PRODUCTS = 6_000;
export const BATCH = 100;
export const ADMIN = { email: 'ops@example.test', password: 'a long enough password' };

let caught: HubContext | undefined;
const modules = (await discoverModules()).map(
  (m): HubModule =>
    m.name === 'tags'
      ? {
          ...m,
          routes: (ctx) => {
            caught = ctx;
            return m.routes!(ctx);
          },
        }
      : m,
);
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
if (!caught) throw new Error('the tags module mounted no routes');
tagsParts(caught).bulk.beforeChunk = () => new Promise((r) => setTimeout(r, 30));
process.stdout.write(`READY ${url}\n`);
