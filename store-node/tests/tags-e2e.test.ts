import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { TreeWrites } from '../../central/src/modules/tags/tests/store-feed-fixture.js';
import type { StoreNode } from '../src/index.js';
import { hubGetter } from '../src/hub-link/hub-get.js';
import { TagsPuller } from '../src/tags/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

type Listing = {
  tags: {
    id: number;
    slug: string;
    name: string;
    path: string;
    parentId: number | null;
    depth: number;
    products: number;
  }[];
  version: number;
  current: boolean;
  sync: { version: number; wanted: number; pulling: boolean; lastError: string | null };
};
type Found = {
  query: string;
  total: number;
  items: {
    sku: string;
    name: string;
    brand: string | null;
    priceMinor: number;
    currency: string;
    onHand: number | null;
  }[];
  next: string | null;
  facets: { tagId: number; name: string; path: string; count: number }[];
};

const item = (sku: string) => ({
  sku,
  name: `Product ${sku}`,
  category: 'Test',
  priceMinor: 250,
  taxClass: 'STANDARD',
});

/**
 * Tags reach the store through the feed and its pull, over real sockets (a hub and paired store nodes on 127.0.0.1),
 * and the store filters its own products by tag with the hub stopped.
 */
describe.each(dbTargets)('tags at the store: the feed, the pull and the offline filter ($name)', (target) => {
  let f: SyncFixture;
  let tree: TreeWrites;
  let north: StoreNode;

  const get = async <T = any>(node: StoreNode, path: string) => {
    const res = await fetch(node.url + path);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as T };
  };
  const listing = async (node: StoreNode) => (await get<Listing>(node, '/api/tags')).body;
  const skus = async (node: StoreNode, query: string) => {
    const r = await get<Found>(node, `/api/tags/products?${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.items.map((i) => i.sku);
  };
  const hubVersion = async () =>
    Number(
      (
        await f.hub.db.query<{ v: string }>(
          'SELECT greatest((SELECT max(version) FROM tags), (SELECT max(version) FROM tag_products WHERE ever_tagged))::text AS v',
        )
      ).rows[0]!.v,
    );
  const caughtUp = async (node: StoreNode) => {
    const v = await hubVersion();
    await waitFor(`the store at tags version ${v}`, () => node.tags.status().version >= v, 60_000);
    // the filter answers from its previous sets while it rebuilds them behind (never blocking the store's lanes)
    await waitFor(`the store's tag sets rebuilt`, async () => (await listing(node)).current === true, 60_000);
  };

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.auth.createUser({
      email: 'merch@example.test',
      password: 'a long enough password',
      name: 'M',
      role: 'ADMIN',
    });
    const cookie = `sf_session=${(await f.hub.auth.login('merch@example.test', 'a long enough password', 'test')).sessionToken}`;
    const imported = await fetch(`${f.hubUrl}/api/catalog/products/import`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ items: ['PHONE-1', 'PHONE-2', 'TV-1', 'MILK', 'BREAD'].map(item) }),
    });
    expect(imported.status).toBe(200);
    tree = new TreeWrites(f.hub.db, Date.now);
    await tree.tag('electronics', 'Electronics');
    await tree.tag('mobile', 'Mobile', 'electronics');
    await tree.tag('smartphones', 'Smartphones', 'mobile');
    await tree.tag('tv', 'Televisions', 'electronics');
    await tree.tag('grocery', 'Grocery');
    await tree.tag('sale', 'On sale');
    await tree.setTags('PHONE-1', ['smartphones', 'sale']);
    await tree.setTags('PHONE-2', ['smartphones']);
    await tree.setTags('TV-1', ['tv']);
    await tree.setTags('MILK', ['grocery', 'sale']);
    await tree.setTags('GONE-1', ['smartphones']); // tagged at the hub, not in the catalog
    north = await f.store('NORTH');
    await waitFor('the cold start', () => north.sync.bootstrap!.progress().state === 'done', 60_000);
    north.db.prepare("INSERT INTO stock (sku, on_hand, updated_at) VALUES ('PHONE-1', 7, 1)").run();
  }, 180_000);
  afterAll(() => f?.stop());

  it('a store that never pulled gets the tree; a product tagged with a child matches its ancestors', async () => {
    await caughtUp(north);
    const l = await listing(north);
    const bySlug = new Map(l.tags.map((t) => [t.slug, t]));
    expect(bySlug.get('smartphones')).toMatchObject({ path: 'electronics.mobile.smartphones', depth: 3, products: 2 });
    expect(bySlug.get('electronics')).toMatchObject({ parentId: null, depth: 1, products: 3 }); // not GONE-1
    expect(l.sync).toMatchObject({ lastError: null });
    expect(l.version).toBe(await hubVersion());

    expect(await skus(north, 'q=tag:electronics')).toEqual(['PHONE-1', 'PHONE-2', 'TV-1']);
    expect(await skus(north, `q=${encodeURIComponent('electronics AND NOT tv')}`)).toEqual(['PHONE-1', 'PHONE-2']);
    expect(await skus(north, `q=${encodeURIComponent('path:electronics.mobile OR grocery')}`)).toEqual([
      'MILK',
      'PHONE-1',
      'PHONE-2',
    ]);
    const onSale = (await get<Found>(north, `/api/tags/products?tag=${tree.ids.electronics}&q=sale`)).body;
    expect(onSale).toMatchObject({ total: 1, next: null, query: 'sale AND path:electronics' });
    expect(onSale.items).toEqual([
      { sku: 'PHONE-1', name: 'Product PHONE-1', brand: null, priceMinor: 250, currency: 'USD', onHand: 7 },
    ]);
    const electronics = (await get<Found>(north, `/api/tags/products?tag=${tree.ids.electronics}`)).body;
    expect(electronics.facets).toEqual([
      { tagId: tree.ids.mobile, name: 'Mobile', path: 'electronics.mobile', count: 2 },
      { tagId: tree.ids.tv, name: 'Televisions', path: 'electronics.tv', count: 1 },
    ]);
    const both = (await get<Found>(north, `/api/tags/products?tag=${tree.ids.electronics}&tag=${tree.ids.mobile}`))
      .body;
    expect(both).toMatchObject({ total: 2, query: 'path:electronics AND path:electronics.mobile' });
    expect(both.facets).toEqual([
      { tagId: tree.ids.smartphones, name: 'Smartphones', path: 'electronics.mobile.smartphones', count: 2 },
    ]);
    const roots = (await get<Found>(north, '/api/tags/products?limit=2')).body;
    expect(roots.total).toBe(5);
    expect(roots.facets.map((x) => [x.name, x.count])).toEqual([
      ['Electronics', 3],
      ['Grocery', 1],
      ['On sale', 2],
    ]);
    const second = (await get<Found>(north, `/api/tags/products?limit=2&after=${roots.next}`)).body;
    expect([...roots.items, ...second.items].map((i) => i.sku)).toEqual(['BREAD', 'MILK', 'PHONE-1', 'PHONE-2']);
  });

  it('a change at the hub reaches the store through one tags.changed notice and a pull', async () => {
    await tree.setTags('BREAD', ['grocery']);
    await waitFor(
      'BREAD under grocery at the store',
      async () => (await skus(north, 'q=grocery')).includes('BREAD'),
      60_000,
    );
    const { rows } = await f.hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_feed WHERE store_id = $1 AND type = 'tags.changed'`,
      [f.credentials.get('NORTH')!.storeId],
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(1);
  });

  it('a product untagged, a tag moved and a tag deleted at the hub reach the store', async () => {
    await tree.setTags('PHONE-2', []);
    await tree.move('tv', null);
    await tree.remove('sale');
    await caughtUp(north);
    expect(await skus(north, 'q=electronics')).toEqual(['PHONE-1']);
    expect(await skus(north, 'q=path:tv')).toEqual(['TV-1']);
    // a tag deleted at the hub is unknown here, as there: a 422 naming it and where it is written
    const gone = await get(north, `/api/tags/products?q=${encodeURIComponent('tv OR sale')}`);
    expect(gone.status).toBe(422);
    expect(gone.body.detail.split('\n')[0]).toBe('there is no tag "sale" at this store — at character 7.');
    expect(gone.body).toMatchObject({ position: 6, length: 4 });
    const l = await listing(north);
    expect(l.tags.find((t) => t.slug === 'tv')).toMatchObject({ path: 'tv', parentId: null, depth: 1, products: 1 });
    expect(l.tags.some((t) => t.slug === 'sale')).toBe(false);
  });

  it('a query that does not parse is a 422 problem saying where; an unknown tag id is a 422', async () => {
    const bad = await get(north, `/api/tags/products?q=${encodeURIComponent('smartphones AND')}`);
    expect(bad.status).toBe(422);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.position).toBe(15);
    expect(bad.body.detail).toContain('smartphones AND\n');
    // the words the handheld shows as they are: 1-based, as a person counts (position is the 0-based index)
    expect(bad.body.detail.split('\n')[0]).toMatch(/ — at character 16\.$/);
    const unknown = await get(north, '/api/tags/products?tag=999999');
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toMatch(/no tag 999999/);
    for (const q of ['tag=abc', 'limit=0', 'after=not-a-cursor', `q=${'a'.repeat(5000)}`, 'q=milk%00'])
      expect((await get(north, `/api/tags/products?${q}`)).status, q).toBeGreaterThanOrEqual(400);
  });

  it('a page with one bad row is refused whole and nothing of it applied; fixed at the hub, it applies', async () => {
    await f.hub.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('tags_version'))");
      await tx.query(
        `WITH v AS (SELECT nextval('tags_version') AS v)
         INSERT INTO tag_products (sku, tag_ids, version, updated_at, ever_tagged) SELECT 'BAD SKU!', '{}', v, 1, true FROM v`,
      );
    });
    await tree.setTags('MILK', []);
    await waitFor('the refusal', () => /not a tag or product row/.test(north.tags.status().lastError ?? ''), 60_000);
    expect(await skus(north, 'q=grocery')).toEqual(['BREAD', 'MILK']); // MILK's untagging was on the refused page
    expect(north.db.prepare("SELECT count(*) AS n FROM product_tag_versions WHERE sku = 'BAD SKU!'").get()).toEqual({
      n: 0,
    });
    await f.hub.db.query("DELETE FROM tag_products WHERE sku = 'BAD SKU!'");
    await waitFor('MILK untagged at the store', async () => !(await skus(north, 'q=grocery')).includes('MILK'), 60_000);
    expect(north.tags.status().lastError).toBeNull();
  });

  it('a restart of the store node resumes a half-done pull from its last page', async () => {
    await f.hub.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('tags_version'))");
      await tx.query(
        `WITH v AS (SELECT nextval('tags_version') AS v)
         INSERT INTO tag_products (sku, tag_ids, version, updated_at, ever_tagged)
         SELECT 'GEN-' || lpad(i::text, 4, '0'), ARRAY[$1::int], v, 1, true FROM v, generate_series(1, 1500) AS i`,
        [tree.ids.grocery],
      );
    });
    const east = await f.store('EAST', {}, false);
    let calls = 0;
    const real = hubGetter(f.hubUrl, () => east.hubLink.token(), 10_000);
    const cut = new TagsPuller(
      east.db,
      (path) => (++calls === 1 ? real(path) : Promise.reject(new Error('link cut'))),
      east.log,
    );
    cut.poke();
    await waitFor('the first page, then the cut', () => cut.status().lastError === 'link cut', 30_000);
    cut.stop();
    const half = east.tags.repo.state();
    expect(half.cursor).not.toBeNull();
    expect(half.pulled).toBe(false);
    // a mark on a row of the first page: pulled again, it would be overwritten
    east.db.prepare("UPDATE tags SET name = 'kept from the first page' WHERE slug = 'electronics'").run();
    await east.stop();

    const again = await f.store('EAST');
    await caughtUp(again);
    await waitFor(
      'the catalog at the restarted store',
      () => again.sync.bootstrap!.progress().state === 'done',
      60_000,
    );
    expect(again.tags.repo.state()).toMatchObject({ cursor: null, pulled: true });
    expect(again.db.prepare("SELECT count(*) AS n FROM product_tag_versions WHERE sku LIKE 'GEN-%'").get()).toEqual({
      n: 1500,
    });
    expect(again.db.prepare("SELECT name FROM tags WHERE slug = 'electronics'").pluck().get()).toBe(
      'kept from the first page',
    );
    await waitFor(`the store's tag sets rebuilt`, async () => (await listing(again)).current === true, 60_000);
    expect(await skus(again, 'q=electronics')).toEqual(['PHONE-1']);
  });

  it('with the hub stopped, the store still filters by tag', async () => {
    await caughtUp(north);
    await f.hub.stop();
    await expect(fetch(`${f.hubUrl}/healthz`)).rejects.toThrow();
    expect(await skus(north, `q=${encodeURIComponent('grocery OR electronics')}`)).toEqual(['BREAD', 'PHONE-1']);
    const l = await listing(north);
    expect(l.tags.find((t) => t.slug === 'grocery')).toMatchObject({ products: 1 });
  });
});
