import { DEFAULT_TAX_RATES_PPM, price, pricingStorePageSchema, type PricingStorePage } from '@storefleet/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';

const PASSWORD = 'correct horse battery staple';

for (const target of dbTargets) {
  describe(`price books, the stores' pull and the hub pricer (${target.name})`, () => {
    const s = signedInHub(target);
    const stores: Record<'a' | 'b' | 'c', { id: string; token: string }> = {} as never;
    let managerA = '';
    let chainBook = '';
    let bookA = '';
    let bookB = '';
    let regionBook = '';
    const admin = () => ({ cookie: s.admin });
    const feedRows = async () =>
      (
        await s.t.hub.db.query<{ store_id: string; n: number }>(
          "SELECT store_id::text AS store_id, count(*)::int AS n FROM sync_feed WHERE type = 'pricing.changed' GROUP BY store_id",
        )
      ).rows;
    const pullAll = async (token: string, after = 0): Promise<PricingStorePage[]> => {
      const pages: PricingStorePage[] = [];
      let cursor: number | null = after;
      for (let i = 0; cursor !== null && i < 100; i++) {
        const res = await s.t.call('GET', `/api/pricing/store-rules?after=${cursor}&limit=2`, undefined, {
          bearer: token,
        });
        expect(res.status).toBe(200);
        const page = pricingStorePageSchema.parse(res.body);
        pages.push(page);
        cursor = page.next;
      }
      return pages;
    };

    beforeAll(async () => {
      for (const sku of ['SKU-1', 'SKU-2', 'SKU-3']) {
        const put = await s.t.call(
          'PUT',
          `/api/catalog/products/${sku}`,
          { name: `Product ${sku}`, category: 'snacks', priceMinor: 1_000 },
          admin(),
        );
        expect(put.status).toBe(200);
      }
      for (const k of ['a', 'b', 'c'] as const) {
        const st = await s.t.store(`PB${k.toUpperCase()}`, s.admin);
        stores[k] = { id: st.id, token: st.token };
      }
      await s.t.hub.auth.createUser({
        email: 'mgr-a@example.test',
        name: 'Manager A',
        role: 'STORE_MANAGER',
        storeId: stores.a.id as never,
        password: PASSWORD,
      });
      managerA = await s.t.login('mgr-a@example.test', PASSWORD);
    });

    it('creates regions and books, one per target, refusing bad input with problem+json', async () => {
      expect((await s.t.call('PUT', '/api/pricing/regions/east', { name: 'East' }, admin())).status).toBe(200);
      const put = await s.t.call('PUT', `/api/pricing/stores/${stores.a.id}/region`, { regionId: 'east' }, admin());
      expect(put.body).toEqual({ storeId: stores.a.id, regionId: 'east' });
      const chain = await s.t.call('POST', '/api/pricing/books', { name: 'Chain', scope: 'CHAIN' }, admin());
      expect(chain.status).toBe(201);
      expect(chain.body).toMatchObject({ scope: 'CHAIN', currency: 'USD', entries: 0 });
      chainBook = chain.body.id;
      const second = await s.t.call('POST', '/api/pricing/books', { name: 'Chain 2', scope: 'CHAIN' }, admin());
      expect(second.status).toBe(409);
      expect(second.headers.get('content-type')).toContain('application/problem+json');
      regionBook = (
        await s.t.call('POST', '/api/pricing/books', { name: 'East', scope: 'REGION', regionId: 'east' }, admin())
      ).body.id;
      bookA = (
        await s.t.call('POST', '/api/pricing/books', { name: 'A', scope: 'STORE', storeId: stores.a.id }, admin())
      ).body.id;
      bookB = (
        await s.t.call('POST', '/api/pricing/books', { name: 'B', scope: 'STORE', storeId: stores.b.id }, admin())
      ).body.id;
      for (const bad of [
        { name: 'x', scope: 'STORE' },
        { name: 'x', scope: 'REGION', regionId: 'nowhere' },
        { name: 'x', scope: 'CHAIN', storeId: stores.a.id },
        { name: '', scope: 'CHAIN' },
        { name: 'x', scope: 'GALAXY' },
      ]) {
        const res = await s.t.call('POST', '/api/pricing/books', bad, admin());
        expect(res.status, JSON.stringify(bad)).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
      const all = await s.t.call('GET', '/api/pricing/books', undefined, admin());
      expect(all.body.books).toHaveLength(4);
    });

    it('writes entries whole or not at all, and announces each write as one feed row per store', async () => {
      const before = await feedRows();
      const refused = await s.t.call(
        'POST',
        `/api/pricing/books/${chainBook}/entries`,
        {
          entries: [
            { sku: 'SKU-1', priceMinor: 900 },
            { sku: 'NOPE-9', priceMinor: 1 },
          ],
        },
        admin(),
      );
      expect(refused.status).toBe(422);
      expect(refused.body.detail ?? refused.body.title).toContain('NOPE-9');
      const twice = await s.t.call(
        'POST',
        `/api/pricing/books/${chainBook}/entries`,
        {
          entries: [
            { sku: 'SKU-1', priceMinor: 900, from: 5 },
            { sku: 'SKU-1', priceMinor: 800, from: 5 },
          ],
        },
        admin(),
      );
      expect(twice.status).toBe(422);
      expect(
        (await s.t.call('GET', `/api/pricing/books/${chainBook}/entries`, undefined, admin())).body.entries,
      ).toEqual([]);
      expect(await feedRows()).toEqual(before);

      const ok = await s.t.call(
        'POST',
        `/api/pricing/books/${chainBook}/entries`,
        {
          entries: [
            { sku: 'SKU-1', priceMinor: 900, from: 0 },
            { sku: 'SKU-2', priceMinor: 800, memberPriceMinor: 700, from: 0 },
          ],
        },
        admin(),
      );
      expect(ok.status).toBe(200);
      expect(ok.body.written).toBe(2);
      const after = await feedRows();
      const storeIds = Object.values(stores).map((x) => x.id);
      for (const id of storeIds) {
        const was = before.find((r) => r.store_id === id)?.n ?? 0;
        expect(after.find((r) => r.store_id === id)?.n).toBe(was + 1);
      }
      await s.t.call(
        'POST',
        `/api/pricing/books/${regionBook}/entries`,
        { entries: [{ sku: 'SKU-3', priceMinor: 555, from: 0 }] },
        admin(),
      );
      await s.t.call(
        'POST',
        `/api/pricing/books/${bookA}/entries`,
        { entries: [{ sku: 'SKU-1', priceMinor: 850, from: 0 }] },
        admin(),
      );
      await s.t.call(
        'POST',
        `/api/pricing/books/${bookB}/entries`,
        { entries: [{ sku: 'SKU-1', priceMinor: 111, from: 0 }] },
        admin(),
      );
    });

    it("pages a store's own, its region's and the chain's entries only, in revision order", async () => {
      const a = (await pullAll(stores.a.token)).flatMap((p) => p.prices);
      expect(new Set(a.map((e) => e.bookId))).toEqual(new Set([chainBook, regionBook, bookA]));
      const revs = a.map((e) => e.revision);
      expect(revs).toEqual([...revs].sort((x, y) => x - y));
      const b = await pullAll(stores.b.token);
      expect(new Set(b.flatMap((p) => p.prices).map((e) => e.bookId))).toEqual(new Set([chainBook, bookB]));
      expect(b.at(-1)!.regionId).toBeNull();
      const c = (await pullAll(stores.c.token)).flatMap((p) => p.prices);
      expect(new Set(c.map((e) => e.bookId))).toEqual(new Set([chainBook]));
      const asAdmin = await s.t.call('GET', '/api/pricing/store-rules', undefined, admin());
      expect(asAdmin.status).toBe(403);
    });

    it("scopes a manager to the books that apply at its store (another store's book is a 404)", async () => {
      const list = await s.t.call('GET', '/api/pricing/books', undefined, { cookie: managerA });
      expect(list.status).toBe(200);
      expect(new Set(list.body.books.map((b: { id: string }) => b.id))).toEqual(
        new Set([chainBook, regionBook, bookA]),
      );
      const other = await s.t.call('GET', `/api/pricing/books/${bookB}/entries`, undefined, { cookie: managerA });
      expect(other.status).toBe(404);
      const own = await s.t.call('GET', `/api/pricing/books/${bookA}/entries`, undefined, { cookie: managerA });
      expect(own.body.entries.map((e: { priceMinor: number }) => e.priceMinor)).toEqual([850]);
      const write = await s.t.call(
        'POST',
        `/api/pricing/books/${bookA}/entries`,
        { entries: [{ sku: 'SKU-1', priceMinor: 1 }] },
        { cookie: managerA },
      );
      expect(write.status).toBe(403);
    });

    it('prices the most specific book at a store, and a scheduled change from its time on (in the page before it)', async () => {
      const at = async (storeId: string | null) =>
        (
          await s.t.call(
            'POST',
            '/api/pricing/price',
            {
              lines: [
                { sku: 'SKU-1', qty: 1 },
                { sku: 'SKU-3', qty: 1 },
              ],
              storeId,
            },
            admin(),
          )
        ).body.lines.map((l: { unitPriceMinor: number }) => l.unitPriceMinor);
      expect(await at(stores.a.id)).toEqual([850, 555]);
      expect(await at(stores.b.id)).toEqual([111, 1_000]);
      expect(await at(null)).toEqual([900, 1_000]);
      const other = await s.t.call(
        'POST',
        '/api/pricing/price',
        { lines: [{ sku: 'SKU-1', qty: 1 }], storeId: stores.b.id },
        { bearer: stores.a.token },
      );
      expect(other.status).toBe(404);

      const held = (await pullAll(stores.c.token)).at(-1)!.revision;
      const from = Date.now() + s.t.clock.offsetMs + 3_600_000;
      await s.t.call(
        'POST',
        `/api/pricing/books/${chainBook}/entries`,
        { entries: [{ sku: 'SKU-2', priceMinor: 600, from }] },
        admin(),
      );
      const page = (await pullAll(stores.c.token, held)).flatMap((p) => p.prices);
      expect(page.map((e) => [e.sku, e.priceMinor, e.from])).toEqual([['SKU-2', 600, from]]);
      const sku2 = async () =>
        (await s.t.call('POST', '/api/pricing/price', { lines: [{ sku: 'SKU-2', qty: 1 }] }, admin())).body.lines[0]
          .unitPriceMinor;
      expect(await sku2()).toBe(800);
      const view = await s.t.call('GET', '/api/pricing/skus/SKU-2', undefined, admin());
      expect(view.body).toMatchObject({ catalogPriceMinor: 1_000, now: { unitPriceMinor: 800, bookId: chainBook } });
      expect(view.body.upcoming.map((e: { priceMinor: number }) => e.priceMinor)).toEqual([600]);
      s.t.clock.offsetMs += 3_600_000;
      try {
        expect(await sku2()).toBe(600);
      } finally {
        s.t.clock.offsetMs -= 3_600_000; // the stores' tokens last an hour
      }
    });

    it("equals the shared price() over the store's pulled rules", async () => {
      const pages = await pullAll(stores.a.token);
      const prices = new Map<string, PricingStorePage['prices'][number]>();
      for (const e of pages.flatMap((p) => p.prices)) prices.set(e.id, e);
      const lines = [
        { sku: 'SKU-1', qty: 3 },
        { sku: 'SKU-2', qty: 2 },
        { sku: 'SKU-3', qty: 1 },
      ];
      const at = Date.now() + s.t.clock.offsetMs;
      const hub = await s.t.call(
        'POST',
        '/api/pricing/price',
        { lines, storeId: stores.a.id, member: true },
        { bearer: stores.a.token },
      );
      expect(hub.status).toBe(200);
      const local = price(
        lines.map((l) => ({
          ...l,
          catalogPriceMinor: 1_000,
          taxClass: 'STANDARD',
          category: 'snacks',
          name: `Product ${l.sku}`,
        })),
        {
          currency: 'USD',
          taxRatesPpm: DEFAULT_TAX_RATES_PPM,
          prices: [...prices.values()].filter((e) => !e.deleted).map(({ id: _, deleted: __, ...e }) => e),
          promotions: [],
          couponKeys: [],
          revision: hub.body.rulesRevision,
        },
        { at: hub.body.at, storeId: stores.a.id, regionId: 'east', member: true, isCouponUsed: () => false },
      );
      expect(hub.body.at).toBeGreaterThanOrEqual(at);
      expect(hub.body).toEqual(JSON.parse(JSON.stringify(local)));
    });

    it('deletes an entry as a tombstone the store pulls', async () => {
      const held = (await pullAll(stores.a.token)).at(-1)!.revision;
      const entries = await s.t.call('GET', `/api/pricing/books/${bookA}/entries`, undefined, admin());
      const id = entries.body.entries[0].id;
      expect((await s.t.call('DELETE', `/api/pricing/books/${bookA}/entries/${id}`, undefined, admin())).status).toBe(
        204,
      );
      expect((await s.t.call('DELETE', `/api/pricing/books/${bookA}/entries/${id}`, undefined, admin())).status).toBe(
        404,
      );
      const page = (await pullAll(stores.a.token, held)).flatMap((p) => p.prices);
      expect(page).toEqual([expect.objectContaining({ id, deleted: true })]);
    });
  });
}
