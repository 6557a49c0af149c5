import roaring from 'roaring';
import { describe, expect, it } from 'vitest';
import { evaluateTagQuery, JsSetAlgebra, type TagQuery } from '@storefleet/shared';
import { answerTagQuery, matchTagQuery } from '../index/tag-match.js';

const { RoaringBitmap32 } = roaring;

/** A seeded generator (mulberry32), so a failure names a query that can be run again. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// a tree of paths (a child implies its ancestors) and 3,000 products, each given 0–3 tags
const PATHS = ['food', 'food.pantry', 'food.pantry.oils', 'food.fresh', 'home', 'home.kitchen', 'care', 'organic'];
const SLUGS = PATHS.map((p) => p.split('.').at(-1)!);
const random = seeded(20);
const tagged = new Map<number, string[][]>();
for (let n = 1; n <= 3_000; n++) {
  const k = Math.floor(random() * 4);
  tagged.set(
    n,
    Array.from({ length: k }, () => PATHS[Math.floor(random() * PATHS.length)]!.split('.')),
  );
}
const js = new JsSetAlgebra(tagged);
const bitmaps = new Map(SLUGS.map((s) => [s, new RoaringBitmap32([...js.tag(s)]).freeze()]));
const all = new RoaringBitmap32([...tagged.keys()]).freeze();
const sizes = () => [...bitmaps.values(), all].map((b) => b.size);
const source = {
  term: (q: Extract<TagQuery, { kind: 'tag' | 'path' }>) =>
    bitmaps.get(q.kind === 'tag' ? q.slug : q.path.at(-1)!) ?? new RoaringBitmap32().freeze(),
  all: () => all,
};

/** A random query: terms (one unknown), NOT, and n-ary AND/OR with negated children, nested up to `depth`. */
function query(depth: number): TagQuery {
  const r = random();
  if (depth === 0 || r < 0.3) {
    const i = Math.floor(random() * (SLUGS.length + 1));
    if (i === SLUGS.length) return { kind: 'tag', slug: 'nowhere' };
    return random() < 0.5 ? { kind: 'tag', slug: SLUGS[i]! } : { kind: 'path', path: PATHS[i]!.split('.') };
  }
  if (r < 0.4) return { kind: 'not', of: query(depth - 1) };
  const of = Array.from({ length: 1 + Math.floor(random() * 4) }, () => query(depth - 1));
  return { kind: r < 0.7 ? 'and' : 'or', of };
}

describe("the index's matcher (one bitmap per query, intermediates freed)", () => {
  it('answers 1,000 random queries exactly as the shared evaluator does, and never changes a closure', {
    timeout: 120_000,
  }, () => {
    const before = sizes();
    for (let i = 0; i < 1_000; i++) {
      const q = query(4);
      const want = [...evaluateTagQuery(q, js)].sort((a, b) => a - b);
      expect({ q, got: Array.from(matchTagQuery(q, source).toArray()) }).toEqual({ q, got: want });
    }
    expect(sizes()).toEqual(before);
  });

  it('answers the forms the evaluator special-cases: a lone NOT, an AND of only NOTs, an empty OR', () => {
    const oils: TagQuery = { kind: 'tag', slug: 'oils' };
    const home: TagQuery = { kind: 'tag', slug: 'home' };
    const cases: TagQuery[] = [
      { kind: 'not', of: oils },
      {
        kind: 'and',
        of: [
          { kind: 'not', of: oils },
          { kind: 'not', of: home },
        ],
      },
      {
        kind: 'or',
        of: [
          { kind: 'not', of: oils },
          { kind: 'not', of: home },
        ],
      },
      { kind: 'or', of: [] },
      { kind: 'and', of: [] },
      { kind: 'and', of: [oils, oils, home] },
    ];
    for (const q of cases)
      expect(Array.from(matchTagQuery(q, source).toArray())).toEqual(
        [...evaluateTagQuery(q, js)].sort((a, b) => a - b),
      );
  });

  it("answers a search's figures (total, a page after a cursor, facet counts) as the match does, and frees it", () => {
    const facets = [...bitmaps.values()];
    const before = sizes();
    for (let i = 0; i < 300; i++) {
      const q = query(3);
      const m = matchTagQuery(q, source);
      const want = Array.from(m.toArray());
      const after = want.length && random() < 0.5 ? want[Math.floor(random() * want.length)] : undefined;
      const from = after === undefined ? 0 : want.indexOf(after) + 1;
      const got = answerTagQuery(q, source, { after, limit: 7, within: facets });
      expect({ q, after, got }).toEqual({
        q,
        after,
        got: {
          total: want.length,
          productNos: want.slice(from, from + 7),
          counts: facets.map((f) => want.filter((n) => f.has(n)).length),
        },
      });
    }
    // a query of one term answers from the closure itself, which is not freed
    expect(answerTagQuery({ kind: 'tag', slug: 'oils' }, source, { limit: 1 }).total).toBe(bitmaps.get('oils')!.size);
    expect(sizes()).toEqual(before);
  });
});
