import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../src/db/open-sqlite.js';
import { StoreTagsRepository, TagFilter } from '../src/tags/index.js';

const src = new URL('../src/', import.meta.url);
function storeDb() {
  const db = openSqlite(':memory:');
  for (const module of ['catalog', 'stock', 'tags']) {
    const dir = new URL(`${module}/schema/`, src);
    for (const f of readdirSync(dir).sort()) db.exec(readFileSync(new URL(f, dir), 'utf8'));
  }
  return db;
}

/**
 * The store's tag sets are rebuilt behind the requests, a few thousand rows a step (issue #20 review: the rebuild ran
 * inside the first request after a change, 11 s at 200,000 products, with the POS lanes waiting in the same process).
 */
describe('the tag sets rebuild without holding the store', () => {
  it('answers from the previous sets while a rebuild lets the event loop run, then from the new ones', async () => {
    const db = storeDb();
    const repo = new StoreTagsRepository(db);
    const add = db.prepare(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       VALUES (?, ?, 'Test', 100, 'USD', 'STANDARD', 0)`,
    );
    const tags = [
      { kind: 'tag', id: 1, slug: 'a', name: 'A', tagKind: 'CATEGORY', parentId: null, path: 'a', deleted: false },
    ].map((t) => ({ ...t, version: 1, updatedAt: 0 }));
    db.transaction(() => {
      for (let i = 0; i < 30_000; i++) add.run(`S${String(i).padStart(5, '0')}`, `Item ${i}`);
      repo.applyPage(tags, null, 0);
      for (let i = 0; i < 30_000; i += 1000)
        repo.applyPage(
          [{ kind: 'product', sku: `S${String(i).padStart(5, '0')}`, tagIds: [1], version: 2, updatedAt: 0 }],
          null,
          0,
        );
    })();
    const filter = new TagFilter(repo, () => ({ version: 2, wanted: 2, pulling: false, lastError: null, pulledAt: 0 }));
    const first = await filter.list(); // the first build is waited for
    expect(first).toMatchObject({ current: true, tags: [{ slug: 'a', products: 30 }] });
    const builds = filter.sets.builds;

    // a price change does not touch what the filter reads: no rebuild
    db.prepare("UPDATE catalog_products SET price_minor = 250 WHERE sku = 'S00000'").run();
    expect((await filter.list()).current).toBe(true);
    expect(filter.sets.builds).toBe(builds);

    db.prepare("DELETE FROM catalog_products WHERE sku = 'S00000'").run();
    let turns = 0;
    const probe = setInterval(() => turns++, 0);
    try {
      const stale = await filter.list();
      expect(stale).toMatchObject({ current: false, tags: [{ products: 30 }] }); // one change behind, and says so
      await filter.sets.settled();
    } finally {
      clearInterval(probe);
    }
    expect(turns).toBeGreaterThan(0); // timers ran while 30,000 products were read and sorted
    expect(await filter.list()).toMatchObject({ current: true, tags: [{ products: 29 }] });
  });
});
