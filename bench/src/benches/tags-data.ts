import type { Db } from '@storefleet/central';
import { seededRandom } from '../../../central/src/modules/delivery/carriers/seeded-random.js';

/**
 * The `tags` benchmark's data: a tree of 200 tags (8 roots × 4 children × 5 grandchildren, every one taggable) whose
 * densities (the share of products given the tag itself) are spread log-uniformly over 0.01 %–30 % and dealt to the
 * tags by a seeded shuffle, and N products each given every tag independently with that tag's density. Loaded into
 * the module's own tables (tags, tag_products), the GIN index on tag_ids built after the rows are in.
 */

export const ROOTS = 8;
export const CHILDREN_PER_ROOT = 4;
export const GRANDCHILDREN_PER_CHILD = 5;
export const TAG_COUNT = ROOTS * (1 + CHILDREN_PER_ROOT * (1 + GRANDCHILDREN_PER_CHILD));
export const MIN_DENSITY = 0.0001;
export const MAX_DENSITY = 0.3;
const SEED = 'storefleet-tags-bench-1';
/** Products per INSERT statement while loading. */
const LOAD_BATCH = 50_000;
/** The versions the loaded rows carry: tags at 1, products at 2 (the sequence is set past them). */
const TAGS_VERSION = 1;
const SEMICOLON = 0x3b;
const COMMA = 0x2c;
const PRODUCTS_VERSION = 2;

export interface BenchTag {
  readonly id: number;
  readonly slug: string;
  readonly parentId: number | null;
  readonly path: string;
  readonly depth: 1 | 2 | 3;
  /** Share of products given this tag itself (its descendants' products come on top in `tag:`/`path:`). */
  readonly density: number;
}

/** The tree, ids 1…200 in depth-first order (a parent before its children), densities from the fixed seed. */
export function benchTree(): BenchTag[] {
  const random = seededRandom(SEED);
  // 200 densities evenly spaced in log space from MIN to MAX, dealt to the tags by a seeded Fisher–Yates shuffle
  const densities = Array.from(
    { length: TAG_COUNT },
    (_, k) => MIN_DENSITY * (MAX_DENSITY / MIN_DENSITY) ** (k / (TAG_COUNT - 1)),
  );
  for (let i = densities.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [densities[i], densities[j]] = [densities[j]!, densities[i]!];
  }
  const tags: BenchTag[] = [];
  const add = (slug: string, parent: BenchTag | null): BenchTag => {
    const tag: BenchTag = {
      id: tags.length + 1,
      slug,
      parentId: parent?.id ?? null,
      path: parent ? `${parent.path}.${slug}` : slug,
      depth: (parent ? parent.depth + 1 : 1) as 1 | 2 | 3,
      density: densities[tags.length]!,
    };
    tags.push(tag);
    return tag;
  };
  for (let r = 1; r <= ROOTS; r++) {
    const root = add(`dept-${r}`, null);
    for (let c = 1; c <= CHILDREN_PER_ROOT; c++) {
      const child = add(`aisle-${r}-${c}`, root);
      for (let g = 1; g <= GRANDCHILDREN_PER_CHILD; g++) add(`shelf-${r}-${c}-${g}`, child);
    }
  }
  return tags;
}

/** The ids of `tag` and every tag below it (what `tag:` and `path:` of it match). */
export function subtreeIds(tags: readonly BenchTag[], tag: BenchTag): number[] {
  return tags.filter((t) => t.id === tag.id || t.path.startsWith(`${tag.path}.`)).map((t) => t.id);
}

/**
 * One chunk of products [from, to) and the tags given to each, as text Postgres reads in C: products separated by
 * `;`, each one's tag ids (ascending) by `,` (`3,17;;5` is three products, the second given none).
 */
export interface ProductChunk {
  readonly from: number;
  readonly to: number;
  readonly given: number;
  readonly text: string;
}

/**
 * Deals each tag's products by geometric skips (the gap to the next product given the tag), in chunks of products:
 * the same products for the same N and seed on every run, ~7.5 tags a product on average.
 */
export function* productChunks(tags: readonly BenchTag[], products: number, chunk: number): Generator<ProductChunk> {
  const random = seededRandom(`${SEED}/products`);
  const logs = tags.map((t) => Math.log(1 - t.density));
  const gap = (i: number) => 1 + Math.floor(Math.log(1 - random()) / logs[i]!);
  const idBytes = tags.map((t) => Buffer.from(String(t.id), 'latin1'));
  // next[i]: the next product number (1-based) given tags[i]
  const next = tags.map((_, i) => gap(i));
  const expected = Math.ceil(chunk * tags.reduce((n, t) => n + t.density, 0) * 1.5) + 1_000;
  let productNos: Int32Array = new Int32Array(expected);
  let tagIdx: Int32Array = new Int32Array(expected);
  let sorted = new Int32Array(expected);
  const start = new Int32Array(chunk + 1);
  let bytes = Buffer.alloc(expected * 4 + chunk);
  for (let from = 1; from <= products; from += chunk) {
    const to = Math.min(products + 1, from + chunk);
    let k = 0;
    for (let i = 0; i < tags.length; i++) {
      let n = next[i]!;
      for (; n < to; n += gap(i)) {
        if (k === productNos.length) {
          productNos = grow(productNos);
          tagIdx = grow(tagIdx);
          sorted = new Int32Array(productNos.length);
          bytes = Buffer.alloc(productNos.length * 4 + chunk);
        }
        productNos[k] = n;
        tagIdx[k++] = i;
      }
      next[i] = n;
    }
    // a stable counting sort by product: each product's tags stay in id order (they were dealt tag by tag)
    start.fill(0);
    for (let j = 0; j < k; j++) start[productNos[j]! - from + 1]!++;
    for (let p = 1; p <= to - from; p++) start[p]! += start[p - 1]!;
    const at = start.slice(0, to - from);
    for (let j = 0; j < k; j++) sorted[at[productNos[j]! - from]!++] = tagIdx[j]!;
    // written as bytes and decoded once: millions of small strings concatenated are what would take the time
    let b = 0;
    for (let p = 0; p < to - from; p++) {
      if (p > 0) bytes[b++] = SEMICOLON;
      for (let j = start[p]!; j < start[p + 1]!; j++) {
        if (j > start[p]!) bytes[b++] = COMMA;
        const digits = idBytes[sorted[j]!]!;
        bytes.set(digits, b);
        b += digits.length;
      }
    }
    const text = bytes.toString('latin1', 0, b);
    yield { from, to, given: k, text };
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Loads the tree and `products` products into the module's tables (empty, just migrated): tag_products' indexes are
 * dropped first and built after the rows are in (with 1 GB of maintenance memory), then the tables are analysed.
 * Progress on stderr. Returns the seconds the rows took, the GIN index, and the other indexes with ANALYZE.
 */
export async function loadTagsData(
  db: Db,
  tags: readonly BenchTag[],
  products: number,
  now: number,
): Promise<{ rowsS: number; ginS: number; indexesS: number; tagsGiven: number }> {
  const started = performance.now();
  await db.query(
    `INSERT INTO tags (id, slug, name, kind, parent_id, path, depth, created_at, updated_at, version)
     SELECT id, slug, initcap(replace(slug, '-', ' ')), 'CATEGORY', parent_id, path, depth, $6, $6, $7
     FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::int[]) AS t(id, slug, parent_id, path, depth)`,
    [
      tags.map((t) => t.id),
      tags.map((t) => t.slug),
      tags.map((t) => t.parentId),
      tags.map((t) => t.path),
      tags.map((t) => t.depth),
      now,
      TAGS_VERSION,
    ],
  );
  // the table's indexes go while the rows stream in and are built once after (the module's own definitions)
  await db.exec(`ALTER TABLE tag_products DROP CONSTRAINT tag_products_pkey, DROP CONSTRAINT tag_products_sku_key;
                 DROP INDEX tag_products_version_order; DROP INDEX tag_products_tags`);
  let loaded = 0;
  let tagsGiven = 0;
  let lastLog = performance.now();
  for (const c of productChunks(tags, products, LOAD_BATCH)) {
    tagsGiven += c.given;
    await db.query(
      `INSERT INTO tag_products (product_no, sku, tag_ids, version, updated_at)
       SELECT $1::int + o::int - 1, 'SKU-' || lpad(($1::int + o::int - 1)::text, 9, '0'), ('{' || t || '}')::int[], $3, $4
       FROM unnest(string_to_array($2::text, ';')) WITH ORDINALITY AS u(t, o)`,
      [c.from, c.text, PRODUCTS_VERSION, now],
    );
    loaded = c.to - 1;
    if (performance.now() - lastLog > 5_000 || loaded === products) {
      lastLog = performance.now();
      const s = (lastLog - started) / 1000;
      console.error(
        `  loading: ${loaded.toLocaleString('en-GB')}/${products.toLocaleString('en-GB')} products in ${s.toFixed(0)} s`,
      );
    }
  }
  await db.query(`SELECT setval('tag_products_product_no_seq', $1)`, [Math.max(1, products)]);
  await db.query(`SELECT setval('tags_id_seq', $1)`, [tags.length]);
  await db.query(`SELECT setval('tags_version', $1)`, [PRODUCTS_VERSION]);
  const rowsS = (performance.now() - started) / 1000;
  console.error(`  building the GIN index on tag_products.tag_ids (${tagsGiven.toLocaleString('en-GB')} tags given)…`);
  const ginStarted = performance.now();
  await db.transaction(async (tx) => {
    await tx.query(`SET LOCAL maintenance_work_mem = '1GB'`);
    await tx.query(`CREATE INDEX tag_products_tags ON tag_products USING gin (tag_ids)`);
  });
  const ginS = (performance.now() - ginStarted) / 1000;
  await db.transaction(async (tx) => {
    await tx.query(`SET LOCAL maintenance_work_mem = '1GB'`);
    await tx.query(`ALTER TABLE tag_products ADD CONSTRAINT tag_products_pkey PRIMARY KEY (product_no),
                      ADD CONSTRAINT tag_products_sku_key UNIQUE (sku)`);
    await tx.query(`CREATE INDEX tag_products_version_order ON tag_products (version, product_no)`);
  });
  await db.exec('ANALYZE tags; ANALYZE tag_products');
  return { rowsS, ginS, indexesS: (performance.now() - started) / 1000 - rowsS - ginS, tagsGiven };
}
