import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagQueryToText, type TagQuery } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { expectIndexEqualsPostgres, TagsHub, waitFor } from './support-core.js';

/** Runs per database; set TAGS_ORACLE_RUNS for a longer trial. */
const RUNS = Number(process.env.TAGS_ORACLE_RUNS || 20);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`TAGS_ORACLE_RUNS must be a whole number above 0, not ${process.env.TAGS_ORACLE_RUNS}`);
const TAGS = 8;
const SKUS = Array.from({ length: 40 }, (_, i) => `ORACLE-${String(i).padStart(3, '0')}`);

/** A query over the run's tags by their index (names resolved when it runs: a rename changes them). */
type Q =
  | { kind: 'tag'; i: number }
  | { kind: 'path'; i: number }
  | { kind: 'not'; of: Q }
  | { kind: 'and' | 'or'; of: Q[] };

type Op =
  | { op: 'write'; action: 'ADD' | 'REMOVE' | 'REPLACE'; tags: number[]; skus: number[] }
  | { op: 'rename'; i: number; suffix: number }
  | { op: 'move'; i: number; parent: number | null }
  | { op: 'query'; q: Q };

const queryArb: fc.Arbitrary<Q> = fc.letrec<{ q: Q }>((tie) => ({
  q: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('tag' as const), i: fc.nat(TAGS - 1) }),
    fc.record({ kind: fc.constant('path' as const), i: fc.nat(TAGS - 1) }),
    fc.record({ kind: fc.constant('not' as const), of: tie('q') }),
    fc.record({
      kind: fc.constantFrom('and' as const, 'or' as const),
      of: fc.array(tie('q'), { minLength: 2, maxLength: 3 }),
    }),
  ),
})).q;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      action: fc.constantFrom('ADD' as const, 'REMOVE' as const, 'REPLACE' as const),
      tags: fc.uniqueArray(fc.nat(TAGS - 1), { maxLength: 3 }),
      skus: fc.uniqueArray(fc.nat(SKUS.length - 1), { minLength: 1, maxLength: 12 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), i: fc.nat(TAGS - 1), suffix: fc.nat(99) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('move' as const),
      i: fc.nat(TAGS - 1),
      parent: fc.option(fc.nat(TAGS - 1), { nil: null }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('query' as const), q: queryArb }) },
);

describe.each(dbTargets)('search equals a plain SQL oracle on random queries and writes, on $name', (target) => {
  let h: TagsHub;
  beforeAll(async () => {
    h = await TagsHub.start(target);
    await h.waitReady();
    await h.catalog(SKUS);
    // NOT answers over the whole catalog once the numbering job has given every product a number
    await waitFor(
      'every catalog product numbered',
      async () =>
        (await h.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tag_products WHERE sku = ANY($1)', [SKUS]))
          .rows[0]!.n === SKUS.length,
      120_000,
    );
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('answers every query as the SQL compiled from its tree does', { timeout: 900_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.nat(TAGS - 1), { nil: null }), { minLength: TAGS, maxLength: TAGS }),
        fc.array(opArb, { minLength: 4, maxLength: 14 }),
        async (parents, ops) => {
          run++;
          // a random tree of this run's tags (a parent must come earlier, so no cycle)
          const ids: number[] = [];
          for (let i = 0; i < TAGS; i++) {
            const p = parents[i];
            const parentId = p !== null && p !== undefined && p < i ? ids[p]! : null;
            ids.push((await h.tag(`r${run}-t${i}`, parentId)).id);
          }
          for (const o of ops) {
            if (o.op === 'write') {
              await h.as('POST', '/api/tags/products', {
                action: o.action,
                tagIds: o.tags.map((i) => ids[i]),
                skus: o.skus.map((i) => SKUS[i]),
              });
            } else if (o.op === 'rename') {
              await h.as('PATCH', `/api/tags/${ids[o.i]}`, { slug: `r${run}-t${o.i}-${o.suffix}` });
            } else if (o.op === 'move') {
              const r = await h.call(
                'PATCH',
                `/api/tags/${ids[o.i]}`,
                { parentId: o.parent === null ? null : ids[o.parent] },
                { cookie: h.admin },
              );
              expect([200, 422]).toContain(r.status);
            } else {
              const { rows } = await h.hub.db.query<{ id: number; slug: string; path: string }>(
                'SELECT id, slug, path FROM tags WHERE id = ANY($1::int[])',
                [ids],
              );
              const byId = new Map(rows.map((r) => [r.id, r]));
              const ast = toAst(o.q, (i) => byId.get(ids[i]!)!);
              const text = tagQueryToText(ast);
              const expected = await oracle(h, ast);
              expect({ text, skus: await h.searchAll(text) }).toEqual({ text, skus: expected });
            }
          }
          // whatever the run did, the index holds what Postgres holds
          await expectIndexEqualsPostgres(h);
          // clear this run's tags off the products so later runs start from untagged products
          await h.as('POST', '/api/tags/products', { action: 'REMOVE', tagIds: ids, skus: SKUS });
        },
      ),
      { numRuns: RUNS, seed: Number(process.env.TAGS_ORACLE_SEED ?? 20) },
    );
  });
});

function toAst(q: Q, tag: (i: number) => { slug: string; path: string }): TagQuery {
  switch (q.kind) {
    case 'tag':
      return { kind: 'tag', slug: tag(q.i).slug };
    case 'path':
      return { kind: 'path', path: tag(q.i).path.split('.') };
    case 'not':
      return { kind: 'not', of: toAst(q.of, tag) };
    default:
      return { kind: q.kind, of: q.of.map((c) => toAst(c, tag)) };
  }
}

/**
 * The oracle: the tree compiled to one SQL predicate over the catalog's products with their tag_products row, a term
 * being "some tag of the product is the named tag or sits below it" (by path), NOT/AND/OR as SQL's. Every catalog
 * product counts for NOT, tagged or never tagged (as a store answers over its catalog); one without a product number
 * would sort last and fail the comparison.
 */
async function oracle(h: TagsHub, ast: TagQuery): Promise<string[]> {
  const params: string[] = [];
  const compile = (q: TagQuery): string => {
    switch (q.kind) {
      case 'tag':
      case 'path': {
        params.push(q.kind === 'tag' ? q.slug : q.path.join('.'));
        const col = q.kind === 'tag' ? 'n.slug' : 'n.path';
        return `EXISTS (SELECT 1 FROM unnest(p.tag_ids) g JOIN tags x ON x.id = g
                        JOIN tags n ON ${col} = $${params.length} AND NOT n.deleted
                        WHERE x.path = n.path OR left(x.path, length(n.path) + 1) = n.path || '.')`;
      }
      case 'not':
        return `NOT (${compile(q.of)})`;
      case 'and':
        return q.of.length ? `(${q.of.map(compile).join(' AND ')})` : 'true';
      case 'or':
        return q.of.length ? `(${q.of.map(compile).join(' OR ')})` : 'false';
    }
  };
  const where = compile(ast);
  const { rows } = await h.hub.db.query<{ sku: string }>(
    `SELECT c.sku FROM catalog_products c LEFT JOIN tag_products p ON p.sku = c.sku WHERE ${where}
     ORDER BY p.product_no NULLS LAST`,
    params,
  );
  return rows.map((r) => r.sku);
}
