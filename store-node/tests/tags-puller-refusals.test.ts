import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/db/open-sqlite.js';
import { StoreTagsRepository, TagsPuller } from '../src/tags/index.js';

const src = new URL('../src/', import.meta.url);
/** An in-memory store with the catalog, stock and tags tables (every migration of each, in order). */
function storeDb() {
  const db = openSqlite(':memory:');
  for (const module of ['catalog', 'stock', 'tags']) {
    const dir = new URL(`${module}/schema/`, src);
    for (const f of readdirSync(dir).sort()) db.exec(readFileSync(new URL(f, dir), 'utf8'));
  }
  return db;
}
const tagRow = (id: number, slug: string, path: string, parentId: number | null, version = 1, deleted = false) => ({
  kind: 'tag',
  id,
  slug,
  name: slug,
  tagKind: 'CATEGORY',
  parentId,
  path,
  deleted,
  version,
  updatedAt: 0,
});
const productRow = (sku: string, tagIds: number[], version = 1) => ({
  kind: 'product',
  sku,
  tagIds,
  version,
  updatedAt: 0,
});
const logger = () => {
  const warnings: string[] = [];
  const log = { info() {}, error() {}, debug() {}, warn: (_o: unknown, m: string) => warnings.push(m) } as never;
  return { log, warnings };
};
async function until<T>(what: () => T, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = what();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A hub answering badly must not wedge or flood the store's tags copy (issue #20 review): a page that makes no
 * progress is a failed pull (backoff, reason kept), an announcement the hub never serves is lowered to what it served,
 * and a page inconsistent with itself or the copy is refused whole.
 */
describe('the tags puller refuses pages that make no progress', () => {
  const pullers: TagsPuller[] = [];
  afterEach(() => {
    for (const p of pullers.splice(0)) p.stop();
  });
  const start = (get: (url: string) => Promise<unknown>) => {
    const { log, warnings } = logger();
    const p = new TagsPuller(storeDb(), get, log);
    pullers.push(p);
    return { p, warnings };
  };

  it('an empty page whose next is the cursor sent is refused and asked again only after a backoff', async () => {
    const urls: string[] = [];
    const { p } = start(async (url) => {
      urls.push(url);
      await new Promise((r) => setImmediate(r)); // as a real request yields to I/O
      return { rows: [], next: '5:1:1' };
    });
    p.poke();
    const status = await until(
      () => p.status(),
      (s) => s.lastError !== null,
    );
    expect(status.lastError).toMatch(/did not move past 5:1:1/);
    expect(urls).toHaveLength(2); // the first page moved 0 → 5:1:1; the second pointed at itself
  });

  it('a megabyte next is refused and not stored', async () => {
    const { p } = start(async () => ({ rows: [], next: 'x'.repeat(1_000_000) }));
    p.poke();
    const status = await until(
      () => p.status(),
      (s) => s.lastError !== null,
    );
    expect(status.lastError).toMatch(/not a tags cursor/);
    expect(p.repo.state().cursor).toBeNull();
  });

  it('a page with more rows than asked is refused whole, nothing applied', async () => {
    const rows: unknown[] = [tagRow(1, 'a', 'a', null)];
    for (let i = 0; i < 5_000; i++) rows.push(productRow(`S${i}`, [1]));
    const { p } = start(async () => ({ rows, next: null }));
    p.poke();
    const status = await until(
      () => p.status(),
      (s) => s.lastError !== null,
    );
    expect(status.lastError).toMatch(/5,001 rows for a page of 1000/);
    expect(p.repo.tags()).toEqual([]);
    expect(p.repo.state().pulled).toBe(false);
  });
});

describe('the hub’s answer is the authority over its announcements', () => {
  it('a notice far ahead of what the hub serves is lowered to it once the pull reaches the end', async () => {
    let calls = 0;
    const { log, warnings } = logger();
    const p = new TagsPuller(
      storeDb(),
      async () => {
        calls++;
        return { rows: [tagRow(1, 'a', 'a', null, 7)], next: null };
      },
      log,
    );
    try {
      p.noticed(Number.MAX_SAFE_INTEGER);
      const s = await until(
        () => p.status(),
        (v) => v.pulledAt !== null && !v.pulling,
      );
      expect(s).toMatchObject({ version: 7, wanted: 7, lastError: null });
      expect(warnings).toEqual([
        'the hub announced a tags version it did not serve; the copy holds what the hub served',
      ]);
      p.poke(); // nothing left to pull
      expect(calls).toBe(1);
    } finally {
      p.stop();
    }
  });

  it('a row dated past the announced version does not move the copy past it', async () => {
    const p = new TagsPuller(
      storeDb(),
      async () => ({ rows: [tagRow(1, 'a', 'a', null, 5), tagRow(2, 'b', 'b', null, 9_000_000_000)], next: null }),
      logger().log,
    );
    try {
      p.noticed(5);
      const s = await until(
        () => p.status(),
        (v) => v.pulledAt !== null && !v.pulling,
      );
      expect(s.version).toBe(5); // the next pull asks after 5, so a real change 6 is not skipped
    } finally {
      p.stop();
    }
  });
});

describe('a page inconsistent with itself or the copy is refused whole', () => {
  const apply = (repo: StoreTagsRepository, rows: unknown[], next: string | null = null) =>
    repo.db.transaction(() => repo.applyPage(rows, next, 0))();

  it('a tag whose path is not its parent’s path + its slug', () => {
    const repo = new StoreTagsRepository(storeDb());
    expect(() => apply(repo, [tagRow(1, 'food', 'food', null), tagRow(2, 'oil', 'toys.oil', 1)])).toThrow(
      /row 1 .*its path toys\.oil is not its parent's path food \+ '\.' \+ oil/,
    );
    expect(repo.tags()).toEqual([]);
    apply(repo, [tagRow(1, 'food', 'food', null)]);
    expect(() => apply(repo, [tagRow(2, 'oil', 'toys.oil', 1, 2)])).toThrow(/not its parent's path food/);
    expect(() => apply(repo, [tagRow(3, 'tea', 'drinks.tea', null, 2)])).toThrow(/a root tag's path must be its slug/);
    expect(() => apply(repo, [tagRow(3, 'tea', 'food.coffee', 1, 2)])).toThrow(/does not end in its slug/);
    expect(repo.tags().map((t) => t.path)).toEqual(['food']);
  });

  it('two live tags with one slug, in the page or against the copy', () => {
    const repo = new StoreTagsRepository(storeDb());
    expect(() => apply(repo, [tagRow(1, 'x', 'x', null), tagRow(2, 'x', 'y', null)])).toThrow(/slug "x"/);
    apply(repo, [tagRow(1, 'x', 'x', null)]);
    expect(() => apply(repo, [tagRow(2, 'y', 'x.y', 1, 2), tagRow(3, 'x', 'x.y.x', 2, 2)])).toThrow(
      /tag 1 of the store's copy already has the slug "x"/,
    );
    expect(repo.tags().map((t) => t.id)).toEqual([1]);
    // a slug handed on: the old tag deleted in the same page
    apply(repo, [tagRow(1, 'x', 'x', null, 3, true), tagRow(4, 'x', 'x', null, 3)]);
    expect(repo.tags().map((t) => t.id)).toEqual([4]);
  });

  it('a move split across pages inside one version is applied (judged once the version is complete)', () => {
    const repo = new StoreTagsRepository(storeDb());
    apply(repo, [tagRow(1, 'b', 'b', null), tagRow(5, 'a', 'a', null), tagRow(2, 'c', 'a.c', 5)]);
    // version 2 moves a (id 5) under b: the child c (id 2) comes first, and this page ends inside version 2
    apply(repo, [tagRow(2, 'c', 'b.a.c', 5, 2)], '2:0:2');
    apply(repo, [tagRow(5, 'a', 'b.a', 1, 2)]);
    expect(repo.tags().map((t) => t.path)).toEqual(['b', 'b.a', 'b.a.c']);
  });
});
