import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { catalogRows, seedCatalog } from '../src/demo/demo-seed.js';
import { DEMO_TAGS, demoTagsOf, seedDemoTags } from '../src/demo/demo-tags.js';

/**
 * What `npm start` seeds for tags (issue #20), through the hub's API as the demo does: a category tree of two and
 * three levels over the demo catalog, attributes read from the product names, a promotion and a seasonal tag, and the
 * catalog's products tagged; a search finds them. Started again, it makes nothing twice.
 */
describe.each(dbTargets)('the demo’s tags on $name', (target) => {
  let t: TestHub;
  let admin: string;

  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await t.call(method, path, body, { cookie: admin });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  /** A search, asked again while the index catches up (503 while it rebuilds; a write reaches it a moment later). */
  const search = async (q: string, total: (n: number) => boolean) => {
    const deadline = Date.now() + 60_000;
    let last: any;
    while (Date.now() < deadline) {
      const r = await t.call('GET', `/api/tags/search?q=${encodeURIComponent(q)}&limit=5`, undefined, {
        cookie: admin,
      });
      last = r;
      if (r.status === 200 && total(r.body.total)) return r.body;
      await new Promise((done) => setTimeout(done, 200));
    }
    throw new Error(`the search ${q} did not answer as expected: ${last?.status} ${JSON.stringify(last?.body)}`);
  };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    await seedCatalog(api, () => {});
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('the rules file the catalog: every product under one category, 2–3 levels, attributes from the names', () => {
    const given = demoTagsOf(catalogRows());
    const bySlug = new Map(DEMO_TAGS.map((d) => [d.slug, d]));
    const depth = (slug: string): number => {
      const parent = bySlug.get(slug)!.parent;
      return parent === null ? 1 : 1 + depth(parent);
    };
    expect(Math.max(...DEMO_TAGS.map((d) => depth(d.slug)))).toBe(3);
    expect(new Set(DEMO_TAGS.map((d) => d.kind))).toEqual(new Set(['CATEGORY', 'ATTRIBUTE', 'PROMOTION', 'SEASONAL']));
    const categoryCount = (slugs: string[]) => slugs.filter((s) => bySlug.get(s)!.kind === 'CATEGORY').length;
    expect([...given.values()].every((slugs) => categoryCount(slugs) === 1)).toBe(true);
    expect(given.size).toBeGreaterThan(1900); // the catalog's rows, less the few without a usable category
    expect(given.get('SF-00004')).toEqual(['oils-vinegars']); // Extra Virgin Olive Oil, Pantry
    const organic = [...given].filter(([, s]) => s.includes('organic')).length;
    expect(organic).toBeGreaterThan(20);
  });

  it('makes the tags through the API, tags the products, and a search finds them; once', async () => {
    const catalog = catalogRows();
    const first = await seedDemoTags({ api, catalog, say: () => {} });
    const given = demoTagsOf(catalog);
    const products = given.size.toLocaleString('en-US');
    expect(first.summary).toBe(`${DEMO_TAGS.length} tags (${DEMO_TAGS.length} made now) on ${products} products`);

    const { tags } = await api<{ tags: any[] }>('GET', '/api/tags');
    const bySlug = new Map(tags.map((x) => [x.slug, x]));
    expect(bySlug.get('oils-vinegars')).toMatchObject({
      name: 'Oils & vinegars',
      kind: 'CATEGORY',
      path: 'food.pantry.oils-vinegars',
      parentId: bySlug.get('pantry').id,
    });
    expect(bySlug.get('organic')).toMatchObject({ kind: 'ATTRIBUTE', parentId: null, path: 'organic' });
    expect(bySlug.get('weekly-deals')).toMatchObject({ kind: 'PROMOTION' });
    expect(bySlug.get('autumn-harvest')).toMatchObject({ kind: 'SEASONAL' });

    // A product keeps the tags the rules gave it (its category's deepest match and its attributes).
    const olive = await api<{ tags: { slug: string }[]; implied: { slug: string }[] }>(
      'GET',
      '/api/tags/products/SF-00004',
    );
    expect(olive.tags.map((x) => x.slug).sort()).toEqual([...given.get('SF-00004')!].sort());
    expect(olive.implied.map((x) => x.slug).sort()).toEqual(['food', 'pantry']);

    // Search: the whole food tree (ancestors implied), and organic food that is not a weekly deal.
    const foods = [...given.values()].filter((s) => s.some((slug) => isUnder(slug, 'food'))).length;
    const food = await search('path:food', (n) => n === foods);
    expect(food.items).toHaveLength(5);
    const expected = [...given.values()].filter(
      (s) => s.includes('organic') && s.some((slug) => isUnder(slug, 'food')) && !s.includes('weekly-deals'),
    ).length;
    expect(expected).toBeGreaterThan(0);
    await search('tag:organic AND path:food AND NOT tag:weekly-deals', (n) => n === expected);

    // Started again: found by slug, nothing made or given twice.
    const again = await seedDemoTags({ api, catalog, say: () => {} });
    expect(again.summary).toBe(`${DEMO_TAGS.length} tags (0 made now) on ${products} products`);
    expect((await api<{ tags: unknown[] }>('GET', '/api/tags')).tags).toHaveLength(tags.length);
  }, 180_000);
});

function isUnder(slug: string, root: string): boolean {
  for (let s: string | null = slug; s !== null; s = DEMO_TAGS.find((d) => d.slug === s)?.parent ?? null)
    if (s === root) return true;
  return false;
}
