import { describe, expect, it } from 'vitest';
import { parseTagQuery } from '@storefleet/shared';
import { dbTargets } from '@storefleet/central/testing';
import { runTagsBench } from '../src/benches/tags.js';
import { benchTree, MAX_DENSITY, MIN_DENSITY, productChunks, subtreeIds } from '../src/benches/tags-data.js';
import { anchorWhere, benchShapes } from '../src/benches/tags-shapes.js';

const SHAPES = ['a_and_b', 'a_and_b_and_c', 'a_and_rare', 'or_10', 'a_and_b_not_c', 'path', 'path_root'];

describe('the tags benchmark’s data', () => {
  it('is a tree of 200 tags in 3 levels with densities from 0.01 % to 30 %', () => {
    const tags = benchTree();
    expect(tags).toHaveLength(200);
    expect(new Set(tags.map((t) => t.depth))).toEqual(new Set([1, 2, 3]));
    for (const t of tags) {
      const parent = tags.find((p) => p.id === t.parentId);
      expect(t.path).toBe(parent ? `${parent.path}.${t.slug}` : t.slug);
    }
    const densities = tags.map((t) => t.density).sort((a, b) => a - b);
    expect(densities[0]).toBeCloseTo(MIN_DENSITY, 8);
    expect(densities[199]).toBeCloseTo(MAX_DENSITY, 8);
    expect(benchTree()).toEqual(tags); // the same tree on every run
  });

  it('gives each product its tags in ascending order, as often as each tag’s density says', () => {
    const tags = benchTree();
    const products = 40_000;
    const given = new Map<number, number>();
    let rows = 0;
    for (const chunk of productChunks(tags, products, 7_000)) {
      const lists = chunk.text.split(';');
      expect(lists).toHaveLength(chunk.to - chunk.from);
      for (const list of lists) {
        const ids = list ? list.split(',').map(Number) : [];
        expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
        for (const id of ids) given.set(id, (given.get(id) ?? 0) + 1);
      }
      rows += lists.length;
    }
    expect(rows).toBe(products);
    for (const t of tags.filter((x) => x.density >= 0.05)) {
      // 40,000 draws of p ≥ 5 %: within 20 % of the expectation by a wide margin
      expect(Math.abs(given.get(t.id)! / products - t.density) / t.density).toBeLessThan(0.2);
    }
  });

  it('writes the anchor’s SQL as a Postgres user would: @> for AND, && of subtrees for terms, NOT (…)', () => {
    const tags = benchTree();
    const root = tags.find((t) => t.slug === 'dept-1')!;
    const parsed = parseTagQuery('(tag:shelf-1-1-1 AND tag:shelf-1-1-2) AND NOT path:dept-1');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const ids = subtreeIds(tags, root);
    expect(ids).toHaveLength(25);
    expect(anchorWhere(parsed.ast, tags)).toBe(
      `(tag_ids @> ARRAY[3,4]) AND (NOT (tag_ids && ARRAY[${ids.join(',')}]))`,
    );
    expect(benchShapes(tags).map((s) => s.name)).toEqual(SHAPES);
  });
});

describe.each(dbTargets)('the tags benchmark at a CI size on $name', (target) => {
  it('rebuilds the module’s index and answers every shape as Postgres does, with its figures', async () => {
    const place = await target.open();
    try {
      const { figures, mismatched } = await runTagsBench(
        { products: 10_000, runs: 5, anchorRuns: 2, shapeSeconds: 5, rebuildSeconds: 300 },
        { ...place, db: target.name },
      );
      expect(mismatched).toEqual([]);
      const value = (metric: string) => figures.find((f) => f.metric === metric);
      expect(value('shapes_mismatched')?.value).toBe(0);
      expect(value('index_memory_mb')?.value).toBeGreaterThan(0);
      expect(value('rebuild_s')).toBeDefined();
      expect(value('load_s')).toBeDefined();
      for (const shape of SHAPES) {
        const p99 = value(`p99_ms_${shape}`);
        expect(p99?.anchor).toBe('postgres-gin-same-query');
        expect(p99?.anchor_value).toBeTypeOf('number');
        expect(value(`p50_ms_${shape}`)).toBeDefined();
        expect(value(`anchor_p99_ms_${shape}`)).toBeDefined();
        expect(value(`pg_over_index_p99_${shape}`)).toBeDefined();
      }
      expect(value('worst_p99_ms')?.value).toBe(Math.max(...SHAPES.map((s) => value(`p99_ms_${s}`)!.value)));
      expect(figures.every((f) => f.bench === 'tags' && f.n === 10_000 && f.db === target.name)).toBe(true);
    } finally {
      await place.drop();
    }
  }, 600_000); // a hub migrated on PGlite, the rows loaded, the index rebuilt, 7 shapes two ways: minutes on a busy CI
});
