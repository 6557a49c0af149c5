import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { tagsParts } from '../index.js';
import { TagsHub, waitFor, type WireTag } from './support-core.js';

/**
 * What review found in the hub's tags (issue #20): NOT over the whole catalog (the numbering job), the bound on
 * complements a query takes, searches counted on their first page only, and hostile input on the tree's routes.
 */
describe.each(dbTargets)('search semantics and hostile input, on $name', (target) => {
  let h: TagsHub;
  let x: WireTag;
  let y: WireTag;
  const numbered = async (skus: readonly string[]) =>
    (await h.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tag_products WHERE sku = ANY($1)', [skus]))
      .rows[0]!.n === skus.length;
  const problem = async (method: string, path: string, body?: unknown) => {
    const r = await h.call<{ detail?: string; position?: number }>(method, path, body, { cookie: h.admin });
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    return r;
  };

  beforeAll(async () => {
    h = await TagsHub.start(target);
    await h.waitReady();
    x = await h.tag('x');
    y = await h.tag('y');
    for (let i = 0; i < 10; i++) await h.tag(`c${i}`);
    await h.catalog(['TAGGED-X', 'ONCE-X', 'NEVER-1', 'NEVER-2']);
    await h.as('PUT', '/api/tags/products/TAGGED-X', { tagIds: [x.id] });
    await h.as('PUT', '/api/tags/products/ONCE-X', { tagIds: [x.id] });
    await h.as('PUT', '/api/tags/products/ONCE-X', { tagIds: [] });
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('answers NOT tag:x with every catalog product without x: never tagged, or tagged and untagged alike', async () => {
    await waitFor('the catalog numbered', () => numbered(['NEVER-1', 'NEVER-2']), 120_000);
    expect((await h.searchAll('NOT tag:x')).sort()).toEqual(['NEVER-1', 'NEVER-2', 'ONCE-X']);
    expect((await h.searchAll('NOT x AND NOT y')).sort()).toEqual(['NEVER-1', 'NEVER-2', 'ONCE-X']);
    expect((await h.searchAll('x OR NOT y')).sort()).toEqual(['NEVER-1', 'NEVER-2', 'ONCE-X', 'TAGGED-X']);
    // a product added to the catalog later is numbered by the next run (every few seconds) and found by NOT too
    await h.catalog(['LATER-1']);
    await waitFor('a new catalog product numbered', () => numbered(['LATER-1']), 120_000);
    expect((await h.searchAll('NOT x')).sort()).toEqual(['LATER-1', 'NEVER-1', 'NEVER-2', 'ONCE-X']);
    expect(await h.searchAll('x')).toEqual(['TAGGED-X']);
  });

  it('refuses a query taking more than 8 complements with a 422 at the NOT past the limit, and folds NOTs in an AND', async () => {
    // distinct children (the parser drops an AND's repeated child)
    const q = (n: number, join: string) => Array.from({ length: n }, (_, i) => `(x OR NOT c${i})`).join(join);
    const ok = await h.as('GET', `/api/tags/search?q=${encodeURIComponent(q(8, ' AND '))}`);
    expect(ok.total).toBeGreaterThan(0);
    const text = q(9, ' AND ');
    const r = await problem('GET', `/api/tags/search?q=${encodeURIComponent(text)}`);
    expect(r.status).toBe(422);
    expect(r.body.detail).toMatch(/at most 8/);
    const ninth = text.split('NOT').slice(0, 9).join('NOT').length;
    expect(r.body.position).toBe(ninth);
    expect(text.slice(r.body.position!, r.body.position! + 3)).toBe('NOT');
    // ANDs of NOTs only, ORed: one complement each
    const ors = Array.from({ length: 9 }, (_, i) => `(NOT x AND NOT c${i})`).join(' OR ');
    expect((await problem('GET', `/api/tags/search?q=${encodeURIComponent(ors)}`)).status).toBe(422);
    // 50 NOTs beside each other in one AND are one complement (all − (x ∪ y ∪ …))
    const ands = Array.from({ length: 50 }, (_, i) => (i % 2 ? 'NOT x' : '-y')).join(' AND ');
    expect((await h.searchAll(ands)).sort()).toEqual(['LATER-1', 'NEVER-1', 'NEVER-2', 'ONCE-X']);
    expect((await h.searchAll(`x ${ands.replaceAll('NOT x', 'NOT y')}`)).sort()).toEqual(['TAGGED-X']);
  });

  it('counts a search for the analytics on its first page only, with who asked', async () => {
    const service = tagsParts(h.context).service;
    const before = service.onSearched;
    const calls: { ids: readonly number[]; caller: string | undefined }[] = [];
    service.onSearched = (ids, caller) => calls.push({ ids, caller });
    try {
      const first = await h.as('GET', `/api/tags/search?q=${encodeURIComponent('NOT x')}&limit=1`);
      expect(first.next).not.toBeNull();
      await h.as('GET', `/api/tags/search?q=${encodeURIComponent('NOT x')}&limit=1&after=${first.next}`);
      expect(calls).toEqual([{ ids: [x.id], caller: expect.stringMatching(/^user:/) }]);
    } finally {
      service.onSearched = before;
    }
  });

  it('refuses names with invisible format characters (422 naming the character) and changes nothing', async () => {
    const before = await h.as('GET', '/api/tags');
    for (const [bad, code] of [
      ['evil\u202Egpj.exe', 'U+202E'],
      ['zero\u200Bwidth', 'U+200B'],
      ['private\uE000', 'U+E000'],
      ['bell\u0007', 'U+0007'],
    ] as const) {
      const r = await problem('POST', '/api/tags', { slug: 'shown', name: bad, kind: 'CATEGORY', parentId: null });
      expect({ bad, status: r.status }).toEqual({ bad, status: 422 });
      expect(r.body.detail).toContain(code);
      const p = await problem('PATCH', `/api/tags/${x.id}`, { name: bad });
      expect(p.status).toBe(422);
    }
    // a lone surrogate is refused before the service (the hub's body reader answers 400)
    const lone = await problem('POST', '/api/tags', {
      slug: 'shown',
      name: 'lone\uD800',
      kind: 'CATEGORY',
      parentId: null,
    });
    expect(lone.status).toBe(400);
    expect((await h.as('GET', '/api/tags')).tags).toEqual(before.tags);
  });

  it('makes slugs start with a letter or a digit', async () => {
    for (const slug of ['-', '--x', '_x', '-x']) {
      const r = await problem('POST', '/api/tags', { slug, name: 'Dash', kind: 'CATEGORY', parentId: null });
      expect(r.status).toBe(422);
      expect(r.body.detail).toMatch(/starting with a letter or a digit/);
    }
    expect((await problem('PATCH', `/api/tags/${y.id}`, { slug: '-y' })).status).toBe(422);
    expect((await h.tag('9-lives')).slug).toBe('9-lives');
  });

  it('reads a page size in decimal digits only', async () => {
    for (const limit of ['0x10', '1e2', ' 10', '10.0', '0', '501', '-1']) {
      const r = await problem('GET', `/api/tags/search?q=x&limit=${encodeURIComponent(limit)}`);
      expect(r.status).toBe(400);
    }
    expect((await h.as('GET', '/api/tags/search?q=x&limit=16')).items).toHaveLength(1);
  });

  it('answers a well-formed but unknown id with 404, a malformed one with 400', async () => {
    const zero = '00000000-0000-0000-0000-000000000000';
    expect((await problem('GET', `/api/tags/bulk-jobs/${zero}`)).status).toBe(404);
    expect((await problem('POST', `/api/tags/bulk-jobs/${zero}/cancel`, {})).status).toBe(404);
    expect((await problem('GET', '/api/tags/bulk-jobs/not-a-uuid')).status).toBe(400);
    expect((await problem('GET', '/api/tags/0')).status).toBe(404);
    expect((await problem('GET', '/api/tags/2147483647')).status).toBe(404);
  });
});
