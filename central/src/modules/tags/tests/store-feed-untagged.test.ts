import type { TagsPullRow } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { numberCatalog } from '../catalog-numbering.js';
import { StoreFeedHub } from './store-feed-fixture.js';

type Page = { rows: TagsPullRow[]; next: string | null };

/**
 * The catalog numbering gives every catalog product an untagged row at a new tags version; none of that is anything a
 * store holds, so the stores' section leaves such rows out and the announcer says nothing for them — until a product
 * is tagged, after which its row (untagged again later too) is the stores' to hear of.
 */
describe.each(dbTargets)('products never tagged stay out of what stores get ($name)', (target) => {
  let h: StoreFeedHub;
  let north: { id: string; token: string };
  const skus = Array.from({ length: 30 }, (_, i) => `PLAIN-${String(i).padStart(2, '0')}`);

  const pullAll = async () => {
    const rows: TagsPullRow[] = [];
    let next: string | null = '0';
    while (next !== null) {
      const r: { status: number; body: Page } = await h.t.call<Page>(
        'GET',
        `/api/sync/bootstrap/tags?after=${encodeURIComponent(next)}&limit=7`,
        undefined,
        {
          bearer: north.token,
        },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      rows.push(...r.body.rows);
      next = r.body.next;
    }
    return rows;
  };
  const noticesTo = async (storeId: string) =>
    Number(
      (
        await h.t.hub.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM sync_feed WHERE store_id = $1 AND type = 'tags.changed'`,
          [storeId],
        )
      ).rows[0]!.n,
    );
  const numbered = async () =>
    Number(
      (await h.t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tag_products WHERE sku = ANY($1)', [skus]))
        .rows[0]!.n,
    );

  beforeAll(async () => {
    h = await StoreFeedHub.start(target);
    north = await h.t.store('NORTH', await h.t.login());
    await h.tree.tag('pantry', 'Pantry');
    await h.parts.storeFeed.announce(); // the tag is announced; from here only the numbering writes
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('a catalog of never-tagged products: numbered for the index, yet no section row and no tags.changed', async () => {
    const before = await noticesTo(north.id);
    await h.products(skus);
    await numberCatalog(h.ctx);
    expect(await numbered()).toBe(skus.length); // the index's all() counts them
    expect(await h.parts.storeFeed.announce()).toBeNull();
    expect(await noticesTo(north.id)).toBe(before);
    const rows = await pullAll();
    expect(rows.filter((r) => r.kind === 'product')).toEqual([]);
    expect(rows.map((r) => (r.kind === 'tag' ? r.id : null))).toEqual([h.tree.ids.pantry]);
    const count = await h.parts.storeFeed.bootstrap().count(h.t.hub.db, north.id);
    expect(count).toBe(1);
  });

  it('once tagged a product is the stores to hear of, and stays so when untagged again', async () => {
    const before = await noticesTo(north.id);
    await h.add(['PLAIN-03'], ['pantry']);
    expect(await h.parts.storeFeed.announce()).not.toBeNull();
    expect(await noticesTo(north.id)).toBe(before + 1);
    let products = (await pullAll()).filter((r) => r.kind === 'product');
    expect(products.map((r) => r.kind === 'product' && [r.sku, r.tagIds])).toEqual([['PLAIN-03', [h.tree.ids.pantry]]]);

    await h.ctx.db.transaction((q) =>
      h.parts.writer.write(q, ['PLAIN-03'], { action: 'REMOVE', tagIds: [h.tree.ids.pantry!] }),
    );
    expect(await h.parts.storeFeed.announce()).not.toBeNull();
    products = (await pullAll()).filter((r) => r.kind === 'product');
    expect(products.map((r) => r.kind === 'product' && [r.sku, r.tagIds])).toEqual([['PLAIN-03', []]]);
    expect(await h.parts.storeFeed.bootstrap().count(h.t.hub.db, north.id)).toBe(2);
  });
});
