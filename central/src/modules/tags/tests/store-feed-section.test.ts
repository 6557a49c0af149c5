import { tagsPullRowSchema, type TagsPullRow } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { TagsRepository } from '../repository.js';
import { StoreFeedHub } from './store-feed-fixture.js';

type Page = { rows: TagsPullRow[]; next: string | null };
const keyOf = (r: TagsPullRow) => (r.kind === 'tag' ? `tag:${r.id}` : `product:${r.sku}`);

describe.each(dbTargets)('the tags section stores pull, and the tags.changed announcer ($name)', (target) => {
  let h: StoreFeedHub;
  let north: { id: string; token: string };
  let south: { id: string; token: string };

  const page = async (after: string, limit = 1000) => {
    const r = await h.t.call<Page>(
      'GET',
      `/api/sync/bootstrap/tags?after=${encodeURIComponent(after)}&limit=${limit}`,
      undefined,
      {
        bearer: north.token,
      },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const row of r.body.rows) expect(tagsPullRowSchema.safeParse(row).success, JSON.stringify(row)).toBe(true);
    return r.body;
  };
  /** Pulls every page from `after`, calling `between` after each page. */
  const pullAll = async (after: string, limit: number, between: (n: number) => Promise<void> = async () => {}) => {
    const rows: TagsPullRow[] = [];
    let next: string | null = after;
    for (let n = 0; next !== null; n++) {
      const p = await page(next, limit);
      rows.push(...p.rows);
      next = p.next;
      await between(n);
    }
    return rows;
  };
  const tagsChanged = async (storeId: string) =>
    (
      await h.t.hub.db.query<{ version: number }>(
        `SELECT (payload->>'version')::bigint AS version FROM sync_feed WHERE store_id = $1 AND type = 'tags.changed' ORDER BY seq`,
        [storeId],
      )
    ).rows.map((r) => Number(r.version));
  const newest = async () =>
    Number(
      (
        await h.t.hub.db.query<{ v: string }>(
          'SELECT greatest((SELECT max(version) FROM tags), (SELECT max(version) FROM tag_products WHERE ever_tagged))::text AS v',
        )
      ).rows[0]!.v,
    );

  beforeAll(async () => {
    h = await StoreFeedHub.start(target);
    const admin = await h.t.login();
    north = await h.t.store('NORTH', admin);
    south = await h.t.store('SOUTH', admin);
    await h.products(['PHONE-1', 'PHONE-2', 'MILK', 'BREAD']);
    await h.tree.tag('electronics', 'Electronics');
    await h.tree.tag('mobile', 'Mobile', 'electronics');
    await h.tree.tag('grocery', 'Grocery');
    await h.add(['PHONE-1', 'PHONE-2'], ['mobile']);
    await h.add(['MILK'], ['grocery']);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('a store pulling from 0 gets every tag and product, oldest version first and tags before products', async () => {
    const { rows, next } = await page('0');
    expect(next).toBeNull();
    expect(rows.map(keyOf)).toEqual([
      `tag:${h.tree.ids.electronics}`,
      `tag:${h.tree.ids.mobile}`,
      `tag:${h.tree.ids.grocery}`,
      'product:PHONE-1',
      'product:PHONE-2',
      'product:MILK',
    ]);
    expect(rows[1]).toMatchObject({
      kind: 'tag',
      slug: 'mobile',
      path: 'electronics.mobile',
      parentId: h.tree.ids.electronics,
      deleted: false,
    });
    expect(rows[3]).toMatchObject({ kind: 'product', sku: 'PHONE-1', tagIds: [h.tree.ids.mobile] });
    const versions = rows.map((r) => r.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const plan = await h.t.call('GET', '/api/sync/bootstrap', undefined, { bearer: north.token });
    expect(plan.body.sections).toContainEqual({ name: 'tags', total: 6 });
  });

  it('from a version a store gets only what changed after it: a product untagged, a tag moved, a tag deleted', async () => {
    const v = await newest();
    await h.tree.setTags('PHONE-2', []);
    await h.tree.move('mobile', null);
    await h.tree.remove('grocery');
    const rows = await pullAll(String(v), 1000);
    expect(rows.every((r) => r.version > v)).toBe(true);
    expect(rows.find((r) => r.kind === 'product' && r.sku === 'PHONE-2')).toMatchObject({ tagIds: [] });
    expect(rows.find((r) => r.kind === 'tag' && r.slug === 'mobile')).toMatchObject({ path: 'mobile', parentId: null });
    expect(rows.find((r) => r.kind === 'tag' && r.slug === 'grocery')).toMatchObject({ deleted: true });
    expect(rows.find((r) => r.kind === 'product' && r.sku === 'MILK')).toMatchObject({ tagIds: [] });
    expect(rows.some((r) => r.kind === 'product' && r.sku === 'PHONE-1')).toBe(false);
    expect((await page(String(await newest()))).rows).toEqual([]);
  });

  it('pages of two give every row of one big page, and a write made between pages is not skipped', async () => {
    const whole = await pullAll('0', 1000);
    let written = false;
    const paged = await pullAll('0', 2, async (n) => {
      if (n === 0 && !written) {
        written = true;
        await h.tree.setTags('PHONE-1', ['electronics']);
      }
    });
    expect(written).toBe(true);
    const keys = paged.map(keyOf);
    expect(new Set(whole.map(keyOf)).size).toBe(whole.length);
    for (const k of whole.map(keyOf)) expect(keys).toContain(k);
    // the store ends with the last row it got per key: PHONE-1 as it is now
    const last = new Map(paged.map((r) => [keyOf(r), r]));
    expect(last.get('product:PHONE-1')).toMatchObject({ tagIds: [h.tree.ids.electronics] });
  });

  it('refuses an after that is not a cursor with a 422 problem, and a non-store caller with a 403', async () => {
    for (const bad of ['abc', '1:2:3', '12:0:99999999999', '-1', '1:0']) {
      const r = await h.t.call('GET', `/api/sync/bootstrap/tags?after=${encodeURIComponent(bad)}`, undefined, {
        bearer: north.token,
      });
      expect(r.status, bad).toBe(422);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.detail).toMatch(/not a tags cursor/);
    }
    const admin = await h.t.call('GET', '/api/sync/bootstrap/tags?after=0', undefined, { cookie: await h.t.login() });
    expect(admin.status).toBe(403);
  });

  it('ten writes between two periods: each store gets one tags.changed carrying the newest version', async () => {
    // the announcer has caught up with everything before
    await waitFor(
      'the announcer to catch up',
      async () => (await tagsChanged(north.id)).at(-1) === (await newest()),
      60_000,
    );
    const before = { north: (await tagsChanged(north.id)).length, south: (await tagsChanged(south.id)).length };
    // ten writes committed together, so no period can fall between them
    await h.ctx.db.transaction(async (tx) => {
      for (let i = 0; i < 10; i++)
        await h.parts.writer.write(tx, ['BREAD'], {
          action: i % 2 ? 'REMOVE' : 'ADD',
          tagIds: [h.tree.ids.electronics!],
        });
    });
    const top = await newest();
    await waitFor('the notice at both stores', async () => (await tagsChanged(south.id)).length > before.south, 60_000);
    await waitFor('the notice at north', async () => (await tagsChanged(north.id)).length > before.north, 60_000);
    expect((await tagsChanged(north.id)).slice(before.north)).toEqual([top]);
    expect((await tagsChanged(south.id)).slice(before.south)).toEqual([top]);
    expect(await h.parts.storeFeed.announce()).toBeNull(); // nothing new: nothing broadcast
    expect((await tagsChanged(north.id)).length).toBe(before.north + 1);
  });

  // Postgres only: PGlite runs one transaction at a time, so a writer holding the lock there holds everything.
  it.skipIf(target.name === 'pglite')(
    'the announcer broadcasts while a writer holds the tags write lock (it waits for no writer, none waits for it)',
    { timeout: 120_000 },
    async () => {
      await h.add(['BREAD'], ['electronics']);
      const top = await newest();
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const writer = h.ctx.db.transaction(async (tx) => {
        await new TagsRepository(tx).lockForWrite();
        locked();
        await held;
      });
      try {
        await isLocked;
        let settled = false;
        const announced = h.parts.storeFeed.announce().finally(() => {
          settled = true;
        });
        await waitFor('the announcer to finish while a writer holds the lock', async () => settled, 60_000);
        await announced;
        // this call or the scheduled one told both stores of the newest version
        expect((await tagsChanged(north.id)).at(-1)).toBe(top);
        expect((await tagsChanged(south.id)).at(-1)).toBe(top);
      } finally {
        release();
        await writer;
      }
    },
  );
});
