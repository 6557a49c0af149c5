import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createStoreNode } from '@storefleet/store-node';
import type { SqliteDb } from '../../../store-node/src/db/open-sqlite.js';
import { TagFilter } from '../../../store-node/src/tags/tag-filter.js';
import { StoreTagsRepository } from '../../../store-node/src/tags/tags-repository.js';
import { against, type Benchmark, type Figure, round } from '../figure.js';
import { percentile } from '../support/memory-store.js';

const PRODUCTS = Number(process.env.TAGS_STORE_BENCH_PRODUCTS || 200_000);
const RUNS = Number(process.env.TAGS_STORE_BENCH_RUNS || 200);
/** The old SQL takes seconds a call at 200,000 products (43 s for the list): once each by default. */
const ANCHOR_RUNS = Number(process.env.TAGS_STORE_BENCH_ANCHOR_RUNS || 1);
const TAGS_PER_PRODUCT = 7;
const ANCHOR = 'store-sql-before-#20-review';

/** 8 roots × 5 children × 4 grandchildren (208 tags, the lane F bench's 3-level shape). */
function loadStore(db: SqliteDb, products: number): { roots: { id: number; slug: string }[] } {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const tags: { id: number; slug: string; parent: number | null; path: string }[] = [];
  for (let r = 0; r < 8; r++) {
    const root = { id: tags.length + 1, slug: `r${r}`, parent: null, path: `r${r}` };
    tags.push(root);
    for (let c = 0; c < 5; c++) {
      const child = { id: tags.length + 1, slug: `r${r}c${c}`, parent: root.id, path: `${root.path}.r${r}c${c}` };
      tags.push(child);
      for (let g = 0; g < 4; g++)
        tags.push({
          id: tags.length + 1,
          slug: `r${r}c${c}g${g}`,
          parent: child.id,
          path: `${child.path}.r${r}c${c}g${g}`,
        });
    }
  }
  const words = ['oat', 'rice', 'bean', 'tea', 'soap', 'cloth', 'apple', 'salt', 'flour', 'juice', 'lamp', 'pen'];
  db.transaction(() => {
    const tag = db.prepare(
      `INSERT INTO tags (id, slug, name, kind, parent_id, path, deleted, version, updated_at)
       VALUES (?, ?, ?, 'CATEGORY', ?, ?, 0, 1, 0)`,
    );
    for (const t of tags) tag.run(t.id, t.slug, t.slug.toUpperCase(), t.parent, t.path);
    const product = db.prepare(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       VALUES (?, ?, 'Test', 100, 'USD', 'STANDARD', 0)`,
    );
    const give = db.prepare('INSERT OR IGNORE INTO product_tags (sku, tag_id) VALUES (?, ?)');
    for (let i = 0; i < products; i++) {
      const sku = `SKU-${String(i).padStart(7, '0')}`;
      const name = `${words[Math.floor(rand() * words.length)]} ${words[Math.floor(rand() * words.length)]} ${i % 997}`;
      product.run(sku, name);
      for (let k = 0; k < TAGS_PER_PRODUCT; k++) give.run(sku, 1 + Math.floor(rand() * tags.length));
    }
    new StoreTagsRepository(db).rebuildAncestors();
  })();
  return { roots: tags.filter((t) => t.parent === null) };
}

/** The store's filter as it was before the review (tags-repository.ts and tag-filter.ts at 4d075a2): the anchor. */
function oldWay(db: SqliteDb) {
  const subtree = `d.deleted = 0 AND (d.path = ? OR substr(d.path, 1, length(?) + 1) = ? || '.')`;
  const under = db.prepare(
    `SELECT DISTINCT pt.sku FROM tags d JOIN product_tags pt ON pt.tag_id = d.id
     JOIN catalog_products c ON c.sku = pt.sku WHERE ${subtree}`,
  );
  const skusUnder = (path: string) => new Set(under.pluck().all(path, path, path) as string[]);
  const page = (matched: Set<string>) => {
    const names = new Map(
      (db.prepare('SELECT sku, name FROM catalog_products').all() as { sku: string; name: string }[]).map((r) => [
        r.sku,
        r.name,
      ]),
    );
    const ordered = [...matched]
      .map((sku) => [names.get(sku) ?? sku, sku] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return ordered.slice(0, 24).length;
  };
  return {
    list: () =>
      db
        .prepare(
          `SELECT t.id, count(DISTINCT pt.sku) AS n FROM tags t
           JOIN tags d ON ${subtree.replaceAll('?', 't.path')}
           JOIN product_tags pt ON pt.tag_id = d.id JOIN catalog_products c ON c.sku = pt.sku
           WHERE t.deleted = 0 GROUP BY t.id`,
        )
        .all().length,
    root: (path: string) => page(skusUnder(path)),
    andNot: (a: string, b: string) => {
      const right = skusUnder(b);
      return page(new Set([...skusUnder(a)].filter((s) => !right.has(s))));
    },
  };
}

const time = async (runs: number, one: () => unknown): Promise<number[]> => {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await one();
    ms.push(performance.now() - t);
  }
  return ms;
};

/**
 * The longest the event loop waited while the sets were rebuilt after a product's rename (the POS lanes share the
 * process): monitorEventLoopDelay's max over the rebuild. Before the review the rebuild was one synchronous call, so
 * its stall was the whole rebuild (store_tag_sets_rebuild_ms of that run).
 */
async function rebuildStall(db: SqliteDb, filter: TagFilter): Promise<{ stallMs: number; rebuildMs: number }> {
  db.prepare("UPDATE catalog_products SET name = 'renamed' WHERE sku = 'SKU-0000000'").run();
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t = performance.now();
  await filter.list(); // answered from the previous sets; the rebuild runs behind
  await filter.sets.settled();
  const rebuildMs = performance.now() - t;
  h.disable();
  return { stallMs: h.max / 1e6, rebuildMs };
}

/**
 * The store's tag calls at 200,000 products (issue #20 review): GET /api/tags's listing, a root tag's first page and
 * `r0 AND NOT r1`'s first page, through the real StoreTagsRepository and TagFilter over a store node's SQLite. Anchor:
 * the SQL the store used before (a prefix join per request, the whole catalog's names sorted per request), same data,
 * same run. Also the one-off rebuild the in-memory sets pay after a tags or catalog change.
 */
export const tagsStoreBench: Benchmark = {
  name: 'tags-store',
  description: `the store's tag listing and filter at ${PRODUCTS.toLocaleString('en')} products vs the SQL before`,
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'sf-tagsstore-'));
    try {
      const node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), logLevel: 'silent' });
      const { roots } = loadStore(node.db, PRODUCTS);
      const filter = new TagFilter(new StoreTagsRepository(node.db), () => ({
        version: 1,
        wanted: 1,
        pulling: false,
        lastError: null,
        pulledAt: 0,
      }));
      const t0 = performance.now();
      await filter.list();
      const rebuildMs = performance.now() - t0;
      const stall = await rebuildStall(node.db, filter);
      const list = await time(RUNS, () => filter.list());
      const root = await time(RUNS, () => filter.products({ tagIds: [roots[0]!.id], limit: 24 }));
      const andNot = await time(RUNS, () => filter.products({ q: 'r0 AND NOT r1', tagIds: [], limit: 24 }));
      const old = oldWay(node.db);
      const oldList = await time(ANCHOR_RUNS, () => old.list());
      const oldRoot = await time(ANCHOR_RUNS, () => old.root('r0'));
      const oldAndNot = await time(ANCHOR_RUNS, () => old.andNot('r0', 'r1'));
      await node.stop();
      const base = { bench: 'tags-store', unit: 'ms', db: 'sqlite' } as const;
      const p99 = (ms: number[]) => percentile(ms, 99);
      const med = (ms: number[]) => percentile(ms, 50);
      const figures: Figure[] = [
        against(
          { ...base, metric: 'store_tags_list_ms', value: p99(list), n: list.length },
          ANCHOR,
          med(oldList),
          false,
        ),
        against(
          { ...base, metric: 'store_filter_root_p99_ms', value: p99(root), n: root.length },
          ANCHOR,
          med(oldRoot),
          false,
        ),
        against(
          { ...base, metric: 'store_filter_p99_ms', value: p99(andNot), n: andNot.length },
          ANCHOR,
          med(oldAndNot),
          false,
        ),
        { ...base, metric: 'store_tag_sets_rebuild_ms', value: round(rebuildMs), n: 1 },
        { ...base, metric: 'store_tag_sets_rebuild_behind_ms', value: round(stall.rebuildMs), n: 1 },
        { ...base, metric: 'store_tag_sets_rebuild_max_stall_ms', value: round(stall.stallMs), n: 1 },
      ];
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
