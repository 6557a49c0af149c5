import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TagIndex } from '../index/tag-index.js';
import { TagsHub } from './support-core.js';

/**
 * A rebuild reads product numbers in ranges of 200,000 (one statement each, several in flight): products on both
 * sides of each range's edges, far apart (numbers have gaps: a sku numbered twice burns one), untagged, with many
 * tags, all land in the index as Postgres holds them.
 */
describe.each(dbTargets)('the tag index rebuilt over ranges of product numbers, on $name', (target) => {
  let h: TagsHub;
  beforeAll(async () => {
    h = await TagsHub.start(target);
    await h.waitReady();
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('holds every product and tag of every range, edges and gaps included', { timeout: 180_000 }, async () => {
    const food = await h.tag('scan-food');
    const pantry = await h.tag('scan-pantry', food.id);
    const oils = await h.tag('scan-oils', pantry.id);
    const home = await h.tag('scan-home');
    const numbers = [1, 2, 199_999, 200_000, 200_001, 399_999, 400_000, 400_001, 650_123, 1_000_007];
    const tagsOf = (n: number, i: number): number[] =>
      [
        i % 2 === 0 ? oils.id : null,
        i % 3 === 0 ? pantry.id : null,
        i % 4 === 1 ? home.id : null,
        n === 1_000_007 ? food.id : null,
      ].filter((x): x is number => x !== null);
    await h.hub.db.query(
      `INSERT INTO tag_products (product_no, sku, tag_ids, version, updated_at)
       SELECT n, 'SCAN-' || n, ARRAY(SELECT json_array_elements_text(t::json)::int ORDER BY 1),
              nextval('tags_version'), 0
       FROM unnest($1::int[], $2::text[]) AS x(n, t)`,
      [numbers, numbers.map((n, i) => JSON.stringify(tagsOf(n, i)))],
    );
    const index = new TagIndex(h.context);
    try {
      await index.start();
      expect(index.status()).toMatchObject({ state: 'READY', rebuilt: null });
      const { rows } = await h.hub.db.query<{ product_no: number }>('SELECT product_no FROM tag_products');
      expect(Array.from(index.all().toArray())).toEqual(rows.map((r) => r.product_no).sort((a, b) => a - b));
      const given = (id: number) => numbers.filter((n, i) => tagsOf(n, i).includes(id));
      expect(Array.from(index.own(oils.id).toArray())).toEqual(given(oils.id));
      expect(Array.from(index.own(home.id).toArray())).toEqual(given(home.id));
      // a child implies its ancestors: pantry's closure holds oils' products, food's both and its own
      const union = (...xs: number[][]) => [...new Set(xs.flat())].sort((a, b) => a - b);
      const pantryAll = union(given(pantry.id), given(oils.id));
      const foodAll = union(pantryAll, given(food.id));
      expect(foodAll).toContain(1_000_007);
      expect(Array.from(index.closure(pantry.id).toArray())).toEqual(pantryAll);
      expect(Array.from(index.closure(food.id).toArray())).toEqual(foodAll);
      expect(Array.from(index.closure(home.id).toArray())).toEqual(given(home.id));
      // the search's own question, through the index
      const q = {
        kind: 'and',
        of: [
          { kind: 'tag', slug: 'scan-food' },
          { kind: 'not', of: { kind: 'tag', slug: 'scan-home' } },
        ],
      } as const;
      expect(Array.from(index.match(q).toArray())).toEqual(foodAll.filter((n) => !given(home.id).includes(n)));
    } finally {
      await index.stop();
    }
  });
});
