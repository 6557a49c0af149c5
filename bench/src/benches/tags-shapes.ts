import { parseTagQuery, type TagQuery } from '@storefleet/shared';
import { type BenchTag, subtreeIds } from './tags-data.js';

/** Product numbers in a first page of results, as the search answers them (by product number). */
export const PAGE = 50;

/** One query shape of the benchmark: the query as a merchandiser types it and the anchor's SQL for it. */
export interface Shape {
  /** The figure suffix: `p99_ms_${name}`. */
  readonly name: string;
  /** What the shape is, for people (the tags chosen and their densities). */
  readonly says: string;
  /** The query text the index answers (parsed in each run, as the service does). */
  readonly text: string;
  /** The anchor: one statement answering the total and the first page, `{ total, first }`. */
  readonly sql: string;
}

const pct = (d: number) => `${(d * 100).toPrecision(2)} %`;

/**
 * The anchor's WHERE clause for a query, as a plain Postgres user writes it on tag_products with its GIN index: a
 * `tag:`/`path:` term is its subtree (`tag_ids && ARRAY[…subtree ids]`), an AND of single tags is `tag_ids @>
 * ARRAY[a, b]`, an OR of terms one `&&` of their subtrees, a NOT `NOT (…)`.
 */
export function anchorWhere(q: TagQuery, tags: readonly BenchTag[]): string {
  const ids = (term: TagQuery): number[] | null => {
    if (term.kind !== 'tag' && term.kind !== 'path') return null;
    const tag =
      term.kind === 'tag' ? tags.find((t) => t.slug === term.slug) : tags.find((t) => t.path === term.path.join('.'));
    if (!tag) throw new Error(`the bench's tree has no ${term.kind === 'tag' ? term.slug : term.path.join('.')}`);
    return subtreeIds(tags, tag);
  };
  const array = (xs: readonly number[]) => `ARRAY[${[...new Set(xs)].sort((a, b) => a - b).join(',')}]`;
  switch (q.kind) {
    case 'tag':
    case 'path':
      return `tag_ids && ${array(ids(q)!)}`;
    case 'not':
      return `NOT (${anchorWhere(q.of, tags)})`;
    case 'and': {
      const single = q.of.map(ids).filter((x): x is number[] => x?.length === 1);
      const rest = q.of.filter((c) => ids(c)?.length !== 1).map((c) => anchorWhere(c, tags));
      const parts = single.length ? [`tag_ids @> ${array(single.flat())}`, ...rest] : rest;
      return parts.map((p) => `(${p})`).join(' AND ');
    }
    case 'or': {
      const terms = q.of.map(ids).filter((x): x is number[] => x !== null);
      const rest = q.of.filter((c) => ids(c) === null).map((c) => anchorWhere(c, tags));
      const parts = terms.length ? [`tag_ids && ${array(terms.flat())}`, ...rest] : rest;
      return parts.map((p) => `(${p})`).join(' OR ');
    }
  }
}

function anchorSql(text: string, tags: readonly BenchTag[]): string {
  const parsed = parseTagQuery(text);
  if (!parsed.ok) throw new Error(`the bench's query ${text} does not parse: ${parsed.error.message}`);
  const where = anchorWhere(parsed.ast, tags);
  return `SELECT (SELECT count(*) FROM tag_products WHERE ${where})::int AS total,
                 ARRAY(SELECT product_no FROM tag_products WHERE ${where} ORDER BY product_no LIMIT ${PAGE}) AS first`;
}

/**
 * The shapes, tags chosen by density among the grandchildren (which have no descendants, so `tag:x` is x alone): A
 * and B the two densest, C the one nearest 5 %, `rare` the sparsest (~0.01 %), the OR of 10 grandchildren at evenly
 * spaced density ranks; `path` a grandchild's 3-level path (the one nearest 10 %), `path_root` a root's 1-level path
 * whose subtree (25 tags) covers the most products.
 */
export function benchShapes(tags: readonly BenchTag[]): Shape[] {
  const leaves = tags.filter((t) => t.depth === 3).sort((x, y) => y.density - x.density);
  const nearest = (d: number, not: readonly BenchTag[] = []) =>
    leaves
      .filter((t) => !not.includes(t))
      .reduce((best, t) => (Math.abs(Math.log(t.density / d)) < Math.abs(Math.log(best.density / d)) ? t : best));
  const a = leaves[0]!;
  const b = leaves[1]!;
  const c = nearest(0.05, [a, b]);
  const rare = leaves[leaves.length - 1]!;
  const ors = Array.from({ length: 10 }, (_, i) => leaves[Math.floor((i * leaves.length) / 10)]!);
  const leafPath = nearest(0.1, [a, b, c]);
  const reach = (root: BenchTag) => 1 - subtreeIds(tags, root).reduce((p, id) => p * (1 - tags[id - 1]!.density), 1);
  const root = tags.filter((t) => t.depth === 1).reduce((best, t) => (reach(t) > reach(best) ? t : best));
  const shapes: Omit<Shape, 'sql'>[] = [
    {
      name: 'a_and_b',
      says: `A∧B (${pct(a.density)} ∧ ${pct(b.density)})`,
      text: `tag:${a.slug} AND tag:${b.slug}`,
    },
    {
      name: 'a_and_b_and_c',
      says: `A∧B∧C (C ${pct(c.density)})`,
      text: `tag:${a.slug} AND tag:${b.slug} AND tag:${c.slug}`,
    },
    {
      name: 'a_and_rare',
      says: `A∧rare (rare ${pct(rare.density)})`,
      text: `tag:${a.slug} AND tag:${rare.slug}`,
    },
    {
      name: 'or_10',
      says: `OR of 10 (${ors.map((t) => pct(t.density)).join(', ')})`,
      text: ors.map((t) => `tag:${t.slug}`).join(' OR '),
    },
    {
      name: 'a_and_b_not_c',
      says: '(A∧B)∧¬C',
      text: `(tag:${a.slug} AND tag:${b.slug}) AND NOT tag:${c.slug}`,
    },
    {
      name: 'path',
      says: `3-level path of a grandchild (${pct(leafPath.density)})`,
      text: `path:${leafPath.path}`,
    },
    {
      name: 'path_root',
      says: `a root's path, its subtree of ${subtreeIds(tags, root).length} tags (~${pct(reach(root))})`,
      text: `path:${root.path}`,
    },
  ];
  return shapes.map((s) => ({ ...s, sql: anchorSql(s.text, tags) }));
}
