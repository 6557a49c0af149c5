import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalise, type TagQuery, toText } from '../../src/tag-query/ast.js';
import { evaluate, JsSetAlgebra, type SetAlgebra } from '../../src/tag-query/evaluate.js';
import { parseTagQuery } from '../../src/tag-query/parser.js';
import { ast } from './helpers.js';

/**
 * Evaluating tag queries (issue #20) and the canonical text. The semantics under test: tagging a product with a
 * child implies its ancestors in search, for `path:` AND for `tag:` (evaluate.ts says why), so a product tagged only
 * `electronics.mobile.smartphones` is found by `tag:electronics` as well as by `path:electronics.mobile`.
 */

/** The tag tree the random tests tag products with; slugs are unique across it, as tag creation will require. */
const TREE = [
  'electronics',
  'electronics.mobile',
  'electronics.mobile.smartphones',
  'electronics.mobile.tablets',
  'electronics.audio',
  'clothing',
  'clothing.t-shirts',
  'clothing.shoes',
  'clothing.shoes.sneakers',
  'seasonal',
  'seasonal.summer',
  // Slugs a printer must guard: an operator word and a leading dash.
  'seasonal.or',
  'promo',
  'promo.-clearance',
].map((p) => p.split('.'));
const SLUGS = [...TREE.map((p) => p.at(-1)!), 'unknown', 'not'];
const PATHS = [...TREE, ['mobile'], ['electronics', 'clothing'], ['nowhere', 'else']];

/** Random trees over the tree's slugs and paths (and a few that name no tag), at most 3 deep and 4 wide. */
const queryArb: fc.Arbitrary<TagQuery> = fc.letrec<{ q: TagQuery }>((tie) => ({
  q: fc.oneof(
    { maxDepth: 3, depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...SLUGS).map((slug): TagQuery => ({ kind: 'tag', slug })),
    fc.constantFrom(...PATHS).map((p): TagQuery => ({ kind: 'path', path: p })),
    tie('q').map((of): TagQuery => ({ kind: 'not', of })),
    fc.array(tie('q'), { minLength: 1, maxLength: 4 }).map((of): TagQuery => ({ kind: 'and', of })),
    fc.array(tie('q'), { minLength: 1, maxLength: 4 }).map((of): TagQuery => ({ kind: 'or', of })),
  ),
})).q;

/** Products 0..n-1, each tagged directly with a few nodes of the tree. */
const catalogueArb = fc
  .array(fc.uniqueArray(fc.constantFrom(...TREE), { maxLength: 3 }), { minLength: 0, maxLength: 40 })
  .map((tagged) => new Map(tagged.map((paths, id) => [id, paths] as const)));

/**
 * The oracle: one product at a time, from the tree rather than from the set algebra — close each product's tags
 * over their ancestors, then a term holds when its tag (found by slug in the tree, or by its path) is in that closure.
 */
function naiveMatches(q: TagQuery, tagged: readonly (readonly string[])[]): boolean {
  const closure = new Set<string>();
  for (const p of tagged) for (let n = 1; n <= p.length; n++) closure.add(p.slice(0, n).join('.'));
  switch (q.kind) {
    case 'tag': {
      const node = TREE.find((p) => p.at(-1) === q.slug);
      return node !== undefined && closure.has(node.join('.'));
    }
    case 'path':
      return closure.has(q.path.join('.'));
    case 'not':
      return !naiveMatches(q.of, tagged);
    case 'and':
      return q.of.every((child) => naiveMatches(child, tagged));
    case 'or':
      return q.of.some((child) => naiveMatches(child, tagged));
  }
}

function naive(q: TagQuery, catalogue: ReadonlyMap<number, readonly (readonly string[])[]>): number[] {
  return [...catalogue].filter(([, tagged]) => naiveMatches(q, tagged)).map(([id]) => id);
}

const sorted = (s: ReadonlySet<number>): number[] => [...s].sort((a, b) => a - b);

/** A second algebra, bit sets in a bigint, to show evaluate depends on the interface only. */
class BigIntAlgebra implements SetAlgebra<bigint> {
  constructor(private readonly js: JsSetAlgebra<number>) {}
  #bits = (s: ReadonlySet<number>): bigint => [...s].reduce((acc, id) => acc | (1n << BigInt(id)), 0n);
  tag = (slug: string): bigint => this.#bits(this.js.tag(slug));
  path = (p: readonly string[]): bigint => this.#bits(this.js.path(p));
  all = (): bigint => this.#bits(this.js.all());
  and = (a: bigint, b: bigint): bigint => a & b;
  or = (a: bigint, b: bigint): bigint => a | b;
  andNot = (a: bigint, b: bigint): bigint => a & ~b;
}

/** The same with orMany, as the roaring index has it: evaluate must use it and find the same products. */
class BigIntManyAlgebra extends BigIntAlgebra {
  orManyCalls = 0;
  orMany = (sets: readonly bigint[]): bigint => {
    this.orManyCalls++;
    return sets.reduce((acc, s) => acc | s, 0n);
  };
}
const ids = (bits: bigint): number[] => [...bits.toString(2)].reverse().flatMap((b, i) => (b === '1' ? [i] : []));

/** Counts the operations evaluate asks for. */
function counting(inner: SetAlgebra<ReadonlySet<number>>) {
  const calls = { all: 0, and: 0, or: 0, andNot: 0 };
  const algebra: SetAlgebra<ReadonlySet<number>> = {
    tag: (s) => inner.tag(s),
    path: (p) => inner.path(p),
    all: () => {
      calls.all++;
      return inner.all();
    },
    and: (a, b) => {
      calls.and++;
      return inner.and(a, b);
    },
    or: (a, b) => {
      calls.or++;
      return inner.or(a, b);
    },
    andNot: (a, b) => {
      calls.andNot++;
      return inner.andNot(a, b);
    },
  };
  return { algebra, calls };
}

describe('what a tag or path query finds', () => {
  // 1: smartphone; 2: tablet; 3: tagged electronics itself; 4: sneakers; 5: headphones (audio) and summer; 6: nothing.
  const catalogue = new Map<number, string[][]>([
    [1, [['electronics', 'mobile', 'smartphones']]],
    [2, [['electronics', 'mobile', 'tablets']]],
    [3, [['electronics']]],
    [4, [['clothing', 'shoes', 'sneakers']]],
    [
      5,
      [
        ['electronics', 'audio'],
        ['seasonal', 'summer'],
      ],
    ],
    [6, []],
  ]);
  const sets = new JsSetAlgebra(catalogue);
  const find = (text: string) => sorted(evaluate(ast(text), sets));

  it('finds a product tagged with a child by its ancestors’ paths', () => {
    expect(find('path:electronics')).toEqual([1, 2, 3, 5]);
    expect(find('path:electronics.mobile')).toEqual([1, 2]);
    expect(find('path:electronics.mobile.smartphones')).toEqual([1]);
    expect(find('path:mobile')).toEqual([]); // a path starts at the root
  });

  it('finds it by its ancestors’ slugs too: tagging with a child implies the ancestors in search', () => {
    expect(find('tag:electronics')).toEqual([1, 2, 3, 5]);
    expect(find('mobile')).toEqual([1, 2]);
    expect(find('smartphones')).toEqual([1]);
    expect(find('electronics AND NOT mobile')).toEqual([3, 5]);
  });

  it('combines with NOT at the top as all products minus', () => {
    expect(find('NOT electronics')).toEqual([4, 6]);
    expect(find('!clothing !summer')).toEqual([1, 2, 3, 6]);
    expect(find('sneakers OR summer')).toEqual([4, 5]);
    expect(find('(electronics OR clothing) AND NOT (mobile OR audio)')).toEqual([3, 4]);
  });

  it('finds nothing for a tag or path that does not exist', () => {
    expect(find('unknown')).toEqual([]);
    expect(find('path:electronics.unknown')).toEqual([]);
    expect(find('NOT unknown')).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('taking the complement of all products only when the query asks for it', () => {
  const sets = new JsSetAlgebra(
    new Map([
      [1, [['a']]],
      [2, [['b']]],
    ]),
  );
  const cases: [string, { all: number; andNot: number }][] = [
    ['a AND NOT b', { all: 0, andNot: 1 }],
    ['a AND NOT b AND NOT c', { all: 0, andNot: 1 }],
    ['(a OR b) AND NOT (c OR d)', { all: 0, andNot: 1 }],
    ['NOT a', { all: 1, andNot: 1 }],
    ['NOT a AND NOT b', { all: 1, andNot: 1 }],
    ['a OR NOT b', { all: 1, andNot: 2 }],
    ['a OR NOT b OR NOT c', { all: 1, andNot: 2 }],
    ['NOT a OR NOT b OR NOT c', { all: 1, andNot: 1 }],
  ];
  it.each(cases)('%s', (text, expected) => {
    const { algebra, calls } = counting(sets);
    evaluate(ast(text), algebra);
    expect({ all: calls.all, andNot: calls.andNot }).toEqual(expected);
  });

  it("costs an AND's 99 negated children one difference, their union taken by orMany when the algebra has it", () => {
    const text = Array.from({ length: 99 }, (_, i) => `NOT t${i}`).join(' AND ');
    const { algebra, calls } = counting(sets);
    expect(sorted(evaluate(ast(`a AND ${text}`), algebra))).toEqual([1]);
    expect(calls).toEqual({ all: 0, and: 0, or: 98, andNot: 1 });
    const many = new BigIntManyAlgebra(sets);
    const withB = `${text.replace('NOT t0', 'NOT b')}`;
    expect(ids(evaluate(ast(withB), many))).toEqual([1]);
    expect(many.orManyCalls).toBe(1);
    expect(ids(evaluate(ast('a OR b OR t7'), many))).toEqual([1, 2]);
    expect(many.orManyCalls).toBe(2);
  });
});

describe('on random queries over random catalogues', () => {
  it('evaluate finds exactly what the one-product-at-a-time oracle finds, with JS Sets and with bit sets', () => {
    fc.assert(
      fc.property(queryArb, catalogueArb, (q, catalogue) => {
        const expected = naive(q, catalogue);
        const js = new JsSetAlgebra(catalogue);
        expect(sorted(evaluate(q, js))).toEqual(expected);
        expect(sorted(evaluate(normalise(q), js))).toEqual(expected);
        expect(ids(evaluate(q, new BigIntAlgebra(js)))).toEqual(expected);
        expect(ids(evaluate(q, new BigIntManyAlgebra(js)))).toEqual(expected);
      }),
      { numRuns: 500, seed: 20 },
    );
  });

  it('prints a canonical text that parses back to the same tree', () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        const canonical = normalise(q);
        expect(parseTagQuery(toText(canonical))).toEqual({ ok: true, ast: canonical });
        expect(parseTagQuery(toText(q))).toEqual({ ok: true, ast: canonical });
        expect(normalise(canonical)).toEqual(canonical);
      }),
      { numRuns: 1_000, seed: 20 },
    );
  });

  it('reads the same tree from any spelling: short forms, any case, implicit AND, extra parentheses and spaces', () => {
    fc.assert(
      fc.property(queryArb, fc.infiniteStream(fc.nat(99)), (q, dice) => {
        const text = spell(q, () => dice.next().value as number);
        expect(parseTagQuery(text), text).toEqual({ ok: true, ast: normalise(q) });
      }),
      { numRuns: 1_000, seed: 20 },
    );
  });

  it('keeps the meaning through normalise and the printed text', () => {
    fc.assert(
      fc.property(queryArb, catalogueArb, (q, catalogue) => {
        const reparsed = parseTagQuery(toText(q));
        if (!reparsed.ok) throw new Error(reparsed.error.message);
        expect(naive(reparsed.ast, catalogue)).toEqual(naive(q, catalogue));
      }),
      { numRuns: 300, seed: 20 },
    );
  });
});

/** Spells a tree as a person might, each choice from `roll` (0–99); parentheses are added where precedence needs them. */
function spell(q: TagQuery, roll: () => number): string {
  const pick = <T>(...options: T[]): T => options[roll() % options.length]!;
  const gap = () => pick(' ', ' ', '  ', '\t', '\n ');
  const wrapMaybe = (text: string, needed: boolean) => (needed || roll() < 15 ? `(${gap()}${text}${gap()})` : text);
  switch (q.kind) {
    case 'tag': {
      const guarded = ['and', 'or', 'not'].includes(q.slug) || q.slug.startsWith('-');
      return guarded ? pick(`tag:${q.slug}`, `TAG:${q.slug}`) : pick(q.slug, `tag:${q.slug}`, `Tag:${q.slug}`);
    }
    case 'path':
      return pick('path:', 'PATH:') + q.path.join('.');
    case 'not': {
      const inner = spell(q.of, roll);
      const atomic = ['tag', 'path', 'not'].includes(shape(q.of));
      const op = pick('NOT ', 'not ', '!', '! ', '-');
      return `${op}${wrapMaybe(inner, !atomic)}`;
    }
    case 'and':
    case 'or': {
      if (q.of.length === 1) return spell(q.of[0]!, roll);
      const parts = q.of.map((child) => wrapMaybe(spell(child, roll), q.kind === 'and' && shape(child) === 'or'));
      return parts.reduce((text, part) => {
        const op = q.kind === 'and' ? pick(' AND ', ' and ', ' & ', '&&', gap()) : pick(' OR ', ' or ', ' | ', '||');
        return `${text}${op}${part}`;
      });
    }
  }
}

/** The kind a tree is spelled as: an AND or OR of one child is spelled as that child. */
function shape(q: TagQuery): TagQuery['kind'] {
  return (q.kind === 'and' || q.kind === 'or') && q.of.length === 1 ? shape(q.of[0]!) : q.kind;
}
