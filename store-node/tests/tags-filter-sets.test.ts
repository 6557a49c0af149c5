import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnprocessableError } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { TagFilter, TagsPuller, tagsSink } from '../src/tags/index.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;
const tagRow = (id: number, slug: string, parentId: number | null, path: string, version: number, deleted = false) => ({
  kind: 'tag' as const,
  id,
  slug,
  name: slug[0]!.toUpperCase() + slug.slice(1),
  tagKind: 'CATEGORY' as const,
  parentId,
  path,
  deleted,
  version,
  updatedAt: 1,
});
const productRow = (sku: string, tagIds: number[], version: number) => ({
  kind: 'product' as const,
  sku,
  tagIds,
  version,
  updatedAt: 1,
});

/**
 * The store's filter answers from sets kept in memory (issue #20 review: it read and sorted the whole catalog per
 * request). What a person sees must follow every change: a tag moved, a product renamed or gone from the catalog, a
 * product tagged; an unknown tag is named with where it is written; a cold start's `tags` section leaves the copy
 * pulled.
 */
describe('the store’s tag filter over its in-memory sets', () => {
  let dir: string;
  let node: StoreNode;
  let puller: TagsPuller;
  let filter: TagFilter;
  const addProduct = (sku: string, name: string) =>
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
         VALUES (?, ?, 'Test', 100, 'USD', 'STANDARD', 0)`,
      )
      .run(sku, name);
  const apply = (rows: unknown[]) => node.db.transaction(() => puller.repo.applyPage(rows, null, 5_000))();
  /** The filter once its sets caught up with the changes made (a request is answered from the previous sets meanwhile). */
  const fresh = () => {
    const pending = filter.sets.settled();
    return {
      list: async () => {
        await pending;
        return filter.list();
      },
      products: async (r: Parameters<TagFilter['products']>[0]) => {
        await pending;
        return filter.products(r);
      },
    };
  };
  const counts = async () => Object.fromEntries((await fresh().list()).tags.map((t) => [t.slug, t.products]));
  const skus = async (req: { q?: string; tagIds?: number[]; after?: string; limit?: number }) =>
    (await fresh().products({ tagIds: [], limit: 100, ...req })).items.map((i) => i.sku);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sf-tagsets-'));
    node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), logLevel: 'silent' });
    puller = new TagsPuller(node.db, undefined, silent, () => 5_000);
    filter = new TagFilter(puller.repo, () => puller.status());
    for (let i = 1; i <= 30; i++)
      addProduct(`P-${String(i).padStart(2, '0')}`, `Item ${String(31 - i).padStart(2, '0')}`);
    apply([
      tagRow(1, 'food', null, 'food', 1),
      tagRow(2, 'pantry', 1, 'food.pantry', 1),
      tagRow(3, 'oils', 2, 'food.pantry.oils', 1),
      tagRow(4, 'home', null, 'home', 1),
      tagRow(5, 'organic', null, 'organic', 1),
      ...Array.from({ length: 30 }, (_, i) => productRow(`P-${String(i + 1).padStart(2, '0')}`, [i < 20 ? 3 : 4], 2)),
      productRow('P-01', [3, 5], 2),
      productRow('P-02', [2, 5], 2),
      productRow('NOT-HERE', [3], 2), // tagged at the hub, not in this store's catalog
    ]);
  });
  afterAll(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts each tag’s products with its descendants’, and keeps the ancestors in tag_ancestors', async () => {
    expect(await counts()).toEqual({ food: 20, pantry: 20, oils: 19, home: 10, organic: 2 });
    expect(
      node.db.prepare('SELECT ancestor_id FROM tag_ancestors WHERE tag_id = 3 ORDER BY ancestor_id').pluck().all(),
    ).toEqual([1, 2, 3]);
    expect((await filter.list()).sync).toMatchObject({ version: 2, wanted: 0, pulledAt: 5_000 });
  });

  it('pages by name then sku with a cursor, as many pages as it takes, each product once', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await filter.products({ tagIds: [1], after, limit: 7 });
      seen.push(...page.items.map((p) => p.name));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `Item ${String(i + 11).padStart(2, '0')}`));
  });

  it('answers AND NOT and facets from the sets', async () => {
    const page = await filter.products({ q: 'food AND NOT organic', tagIds: [], limit: 100 });
    expect(page.total).toBe(18);
    expect(page.items.map((i) => i.sku)).not.toContain('P-01');
    const chosen = await filter.products({ tagIds: [1], limit: 1 });
    expect(chosen.facets).toEqual([{ tagId: 2, name: 'Pantry', path: 'food.pantry', count: 20 }]);
  });

  it('follows a product renamed, a product gone from the catalog, a product tagged and a tag moved', async () => {
    expect((await skus({ tagIds: [4] }))[0]).toBe('P-30'); // "Item 01"
    node.db.prepare("UPDATE catalog_products SET name = 'Zz last' WHERE sku = 'P-30'").run();
    expect((await skus({ tagIds: [4] })).at(-1)).toBe('P-30');
    node.db.prepare("DELETE FROM catalog_products WHERE sku = 'P-21'").run();
    expect((await counts()).home).toBe(9);
    apply([productRow('P-22', [4, 5], 3)]);
    expect((await counts()).organic).toBe(3);
    // oils moves from food.pantry to home: its products leave food and pantry and count under home
    apply([tagRow(3, 'oils', 4, 'home.oils', 4)]);
    expect(await counts()).toMatchObject({ food: 1, pantry: 1, oils: 19, home: 28 });
    expect(await skus({ q: 'path:home.oils' })).toHaveLength(19);
  });

  it('names an unknown tag or path with where it is written, 1-based in words and 0-based as position', async () => {
    const refusal = async (q: string) => {
      try {
        await filter.products({ q, tagIds: [], limit: 10 });
      } catch (err) {
        expect(err).toBeInstanceOf(UnprocessableError);
        return { detail: (err as Error).message };
      }
      throw new Error(`"${q}" was answered`);
    };
    const tag = await refusal('home OR nosuch');
    expect(tag.detail.split('\n')[0]).toBe('there is no tag "nosuch" at this store — at character 9.');
    expect(tag.detail).toContain('home OR nosuch\n          ^^^^^^');
    const path = await refusal('home AND NOT path:food.nosuch');
    expect(path.detail.split('\n')[0]).toBe('there is no tag at the path food.nosuch at this store — at character 14.');
    const parse = await refusal('home AND');
    expect(parse.detail.split('\n')[0]).toMatch(/ — at character 9\.$/);
  });

  it('a cold start’s tags section fills an empty copy, pulled at the hub’s version; a copy already pulling is left to its puller', async () => {
    const fresh = createStoreNode({ dbPath: join(dir, 'fresh.sqlite'), logLevel: 'silent' });
    try {
      const own = new TagsPuller(fresh.db, undefined, silent, () => 6_000);
      const sink = tagsSink(own);
      fresh.db.transaction(() => sink(fresh.db, [tagRow(9, 'garden', null, 'garden', 7)], '7:0:9'))();
      expect(own.repo.state()).toMatchObject({ cursor: '7:0:9', version: 0, pulled: false });
      fresh.db.transaction(() => sink(fresh.db, [productRow('P-05', [9], 8)], null))();
      expect(own.status()).toMatchObject({ version: 8, pulledAt: 6_000 });
      expect(own.repo.state()).toMatchObject({ cursor: null, pulled: true });
      expect(fresh.db.prepare('SELECT tag_id FROM product_tags WHERE sku = ?').pluck().all('P-05')).toEqual([9]);
      // this store's copy was pulled before: a new run's section leaves it to the puller
      const late = tagsSink(puller);
      node.db.transaction(() => late(node.db, [tagRow(9, 'garden', null, 'garden', 7)], null))();
      expect((await filter.list()).tags.some((t) => t.slug === 'garden')).toBe(false);
    } finally {
      await fresh.stop();
    }
  });
});
