import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TagsHub, type WireTag } from './support-core.js';

describe.each(dbTargets)('the tag tree and search, on $name', (target) => {
  let h: TagsHub;
  let electronics: WireTag;
  let mobile: WireTag;
  let smartphones: WireTag;
  let gadgets: WireTag;
  let audio: WireTag;
  beforeAll(async () => {
    h = await TagsHub.start(target);
    await h.waitReady();
    electronics = await h.tag('electronics');
    mobile = await h.tag('mobile', electronics.id);
    smartphones = await h.tag('smartphones', mobile.id);
    audio = await h.tag('audio', electronics.id);
    gadgets = await h.tag('gadgets');
    await h.catalog(['PHONE-1', 'PHONE-2', 'HEADSET-1', 'TOY-1']);
    await h.as('PUT', '/api/tags/products/PHONE-1', { tagIds: [smartphones.id] });
    await h.as('PUT', '/api/tags/products/PHONE-2', { tagIds: [smartphones.id, gadgets.id] });
    await h.as('PUT', '/api/tags/products/HEADSET-1', { tagIds: [audio.id] });
    await h.as('PUT', '/api/tags/products/TOY-1', { tagIds: [gadgets.id] });
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('lists the tree by path with product counts (a child implies its ancestors)', async () => {
    const list = await h.as('GET', '/api/tags');
    expect(list.tags.map((t: WireTag) => t.path)).toEqual([
      'electronics',
      'electronics.audio',
      'electronics.mobile',
      'electronics.mobile.smartphones',
      'gadgets',
    ]);
    expect(list.index.state).toBe('READY');
    const byPath = new Map<string, WireTag>(list.tags.map((t: WireTag) => [t.path, t]));
    expect(byPath.get('electronics')).toMatchObject({ products: 3, ownProducts: 0, depth: 1, parentId: null });
    expect(byPath.get('electronics.mobile.smartphones')).toMatchObject({ products: 2, ownProducts: 2, depth: 3 });
    const one = await h.as('GET', `/api/tags/${mobile.id}`);
    expect(one.children.map((c: WireTag) => c.slug)).toEqual(['smartphones']);
    const product = await h.as('GET', '/api/tags/products/PHONE-1');
    expect(product.tags.map((t: WireTag) => t.path)).toEqual(['electronics.mobile.smartphones']);
    expect(product.implied.map((t: WireTag) => t.path)).toEqual(['electronics', 'electronics.mobile']);
    expect((await h.as('GET', '/api/tags/products/NEVER-TAGGED')).tags).toEqual([]);
  });

  it('matches a product tagged smartphones by tag:electronics and path:electronics.mobile, and follows a move', async () => {
    expect((await h.searchAll('tag:electronics')).sort()).toEqual(['HEADSET-1', 'PHONE-1', 'PHONE-2']);
    expect((await h.searchAll('path:electronics.mobile')).sort()).toEqual(['PHONE-1', 'PHONE-2']);
    expect(await h.searchAll('mobile AND NOT gadgets')).toEqual(['PHONE-1']);
    expect((await h.searchAll('gadgets OR audio')).sort()).toEqual(['HEADSET-1', 'PHONE-2', 'TOY-1']);

    const moved = await h.as('PATCH', `/api/tags/${mobile.id}`, { parentId: gadgets.id });
    expect(moved).toMatchObject({ path: 'gadgets.mobile', depth: 2, parentId: gadgets.id });
    expect((await h.as('GET', `/api/tags/${smartphones.id}`)).path).toBe('gadgets.mobile.smartphones');
    expect((await h.searchAll('path:gadgets.mobile')).sort()).toEqual(['PHONE-1', 'PHONE-2']);
    expect(await h.searchAll('tag:electronics')).toEqual(['HEADSET-1']);
    const old = await h.call('GET', `/api/tags/search?q=${encodeURIComponent('path:electronics.mobile')}`, undefined, {
      cookie: h.admin,
    });
    expect(old.status).toBe(422);
    expect(old.body.detail).toBe('there is no tag at the path electronics.mobile at 0');

    // a rename keeps the products; the old slug no longer names anything
    const renamed = await h.as('PATCH', `/api/tags/${mobile.id}`, { slug: 'handhelds', name: 'Handhelds' });
    expect(renamed.path).toBe('gadgets.handhelds');
    expect((await h.searchAll('path:gadgets.handhelds.smartphones')).sort()).toEqual(['PHONE-1', 'PHONE-2']);
    expect((await h.searchAll('handhelds')).sort()).toEqual(['PHONE-1', 'PHONE-2']);
    const gone = await h.call('GET', '/api/tags/search?q=audio%20OR%20mobile', undefined, { cookie: h.admin });
    expect(gone.status).toBe(422);
    expect(gone.body).toMatchObject({ detail: 'there is no tag "mobile" at 9', position: 9, length: 6 });
    expect(gone.body.caret).toBe('there is no tag "mobile" at 9\n  audio OR mobile\n           ^^^^^^');
    // and back, for the tests after this one
    await h.as('PATCH', `/api/tags/${mobile.id}`, { slug: 'mobile', name: 'mobile', parentId: electronics.id });
    expect((await h.searchAll('tag:electronics')).sort()).toEqual(['HEADSET-1', 'PHONE-1', 'PHONE-2']);
  });

  it('refuses a move under itself or a descendant, and past 16 levels, with nothing changed', async () => {
    const self = await h.call('PATCH', `/api/tags/${mobile.id}`, { parentId: mobile.id }, { cookie: h.admin });
    expect(self.status).toBe(422);
    const under = await h.call(
      'PATCH',
      `/api/tags/${electronics.id}`,
      { parentId: smartphones.id },
      { cookie: h.admin },
    );
    expect(under.status).toBe(422);
    expect(under.body.detail).toBe(
      'electronics cannot move under itself or its descendant electronics.mobile.smartphones',
    );
    let parent = gadgets.id;
    for (let d = 2; d <= 16; d++) parent = (await h.tag(`level-${d}`, parent)).id;
    const tooDeep = await h.call(
      'POST',
      '/api/tags',
      { slug: 'level-17', name: 'x', kind: 'CATEGORY', parentId: parent },
      {
        cookie: h.admin,
      },
    );
    expect(tooDeep.status).toBe(422);
    // mobile has a child, so under level-15 its smartphones would sit at 17
    const level15 = (await h.as('GET', '/api/tags')).tags.find((t: WireTag) => t.slug === 'level-15');
    const deepMove = await h.call('PATCH', `/api/tags/${mobile.id}`, { parentId: level15.id }, { cookie: h.admin });
    expect(deepMove.status).toBe(422);
    expect((await h.as('GET', `/api/tags/${mobile.id}`)).path).toBe('electronics.mobile');
    // clean up the ladder, leaf first
    const ladder = (await h.as('GET', '/api/tags')).tags.filter((t: WireTag) => t.slug.startsWith('level-'));
    for (const t of ladder.sort((a: WireTag, b: WireTag) => b.depth - a.depth))
      await h.as('DELETE', `/api/tags/${t.id}`, undefined, 204);
  });

  it('refuses a taken slug (409), an operator word or bad slug (422), an unknown parent (422), bad ids (404)', async () => {
    const taken = await h.call(
      'POST',
      '/api/tags',
      { slug: 'audio', name: 'A', kind: 'CATEGORY', parentId: null },
      {
        cookie: h.admin,
      },
    );
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toContain('electronics.audio');
    for (const slug of ['or', 'NOT', 'Bad Slug', '', 'a.b'])
      expect(
        (await h.call('POST', '/api/tags', { slug, name: 'x', kind: 'CATEGORY', parentId: null }, { cookie: h.admin }))
          .status,
      ).toBe(422);
    expect(
      (
        await h.call(
          'POST',
          '/api/tags',
          { slug: 'x', name: 'x', kind: 'CATEGORY', parentId: 999999 },
          { cookie: h.admin },
        )
      ).status,
    ).toBe(422);
    expect(
      (await h.call('POST', '/api/tags', { slug: 'x', name: 'x', kind: 'CATEGORY' }, { cookie: h.admin })).status,
    ).toBe(400);
    for (const id of ['abc', '0', '-1', '99999999999', '1.5', '999999'])
      expect((await h.call('GET', `/api/tags/${id}`, undefined, { cookie: h.admin })).status).toBe(404);
    expect((await h.call('GET', '/api/tags', undefined, {})).status).toBe(401);
    expect((await h.call('POST', '/api/tags', { slug: 'y', name: 'y', kind: 'CATEGORY', parentId: null })).status).toBe(
      401,
    );
  });

  it('deletes only an unused tag (409 says how many), as a tombstone whose slug may be reused', async () => {
    const busy = await h.call('DELETE', `/api/tags/${audio.id}`, undefined, { cookie: h.admin });
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toBe(
      'electronics.audio still has 1 product: move or delete the children first, and clear its products with a bulk REMOVE job',
    );
    const parent = await h.call('DELETE', `/api/tags/${electronics.id}`, undefined, { cookie: h.admin });
    expect(parent.status).toBe(409);
    expect(parent.body.children).toBe(2);
    const spare = await h.tag('spare', gadgets.id);
    await h.as('DELETE', `/api/tags/${spare.id}`, undefined, 204);
    expect((await h.call('GET', `/api/tags/${spare.id}`, undefined, { cookie: h.admin })).status).toBe(404);
    const again = await h.tag('spare');
    expect(again.id).not.toBe(spare.id);
    await h.as('DELETE', `/api/tags/${again.id}`, undefined, 204);
  });

  it('answers a syntax error with its position, length and caret line; a bad limit or cursor with 400', async () => {
    const r = await h.call('GET', `/api/tags/search?q=${encodeURIComponent('smartphones AND')}`, undefined, {
      cookie: h.admin,
    });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toMatchObject({ position: 15, length: 0 });
    expect(r.body.caret).toContain('smartphones AND\n');
    const nul = await h.call('GET', `/api/tags/search?q=${encodeURIComponent('a\u0000b')}`, undefined, {
      cookie: h.admin,
    });
    expect([400, 422]).toContain(nul.status);
    expect(nul.headers.get('content-type')).toContain('application/problem+json');
    for (const qs of ['q=audio&limit=0', 'q=audio&limit=501', 'q=audio&after=x', 'limit=5', 'q=audio&zzz=1'])
      expect((await h.call('GET', `/api/tags/search?${qs}`, undefined, { cookie: h.admin })).status).toBe(400);
  });

  it('tags products in one call (ADD/REMOVE), naming skus the catalog lacks', async () => {
    const r = await h.as('POST', '/api/tags/products', {
      action: 'ADD',
      tagIds: [audio.id],
      skus: ['PHONE-1', 'NOT-IN-CATALOG'],
    });
    expect(r).toMatchObject({ changed: 1, unknownSkus: ['NOT-IN-CATALOG'] });
    expect((await h.searchAll('audio')).sort()).toEqual(['HEADSET-1', 'PHONE-1']);
    await h.as('POST', '/api/tags/products', { action: 'REMOVE', tagIds: [audio.id], skus: ['PHONE-1'] });
    expect(await h.searchAll('audio')).toEqual(['HEADSET-1']);
    const unknown = await h.call(
      'PUT',
      '/api/tags/products/NOT-IN-CATALOG',
      { tagIds: [audio.id] },
      { cookie: h.admin },
    );
    expect(unknown.status).toBe(422);
    const badTag = await h.call('PUT', '/api/tags/products/PHONE-1', { tagIds: [987654] }, { cookie: h.admin });
    expect(badTag.status).toBe(422);
    expect(await h.searchAll('tag:smartphones')).toContain('PHONE-1');
  });

  it('pages every result exactly once in product order, with facet counts', async () => {
    const skus = Array.from({ length: 1_234 }, (_, i) => `PAGED-${String(i).padStart(5, '0')}`);
    await h.catalog(skus);
    const sale = await h.tag('sale');
    await h.as('POST', '/api/tags/products', { action: 'ADD', tagIds: [sale.id], skus: skus.slice(0, 1_000) });
    await h.as('POST', '/api/tags/products', { action: 'ADD', tagIds: [sale.id], skus: skus.slice(1_000) });
    await h.as('POST', '/api/tags/products', { action: 'ADD', tagIds: [audio.id], skus: skus.slice(0, 100) });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const qs: string = `q=sale&limit=97${after ? `&after=${after}` : ''}`;
      const page = await h.as('GET', `/api/tags/search?${qs}`);
      expect(page.total).toBe(1_234);
      expect(page.query).toBe('sale');
      seen.push(...page.items.map((i: { sku: string }) => i.sku));
      pages++;
      after = page.next;
      if (!after) break;
    }
    expect(pages).toBe(13);
    expect(seen).toEqual(skus);
    const page = await h.as('GET', '/api/tags/search?q=sale&limit=1');
    expect(page.items).toEqual([{ sku: 'PAGED-00000', name: 'Product PAGED-00000' }]);
    const roots = new Map(page.facets.map((f: { path: string; count: number }) => [f.path, f.count]));
    expect(roots.get('electronics')).toBe(100);
    expect(roots.get('gadgets')).toBe(0);
    expect(roots.get('sale')).toBe(1_234);
    const under = await h.as('GET', '/api/tags/search?q=sale&facets=electronics');
    expect(under.facets.map((f: { path: string; count: number }) => [f.path, f.count])).toEqual([
      ['electronics.audio', 100],
      ['electronics.mobile', 0],
    ]);
  });
});
