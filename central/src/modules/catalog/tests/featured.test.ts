import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogRowSchema } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';

/**
 * #17, a kiosk home page a customer would use: head office marks products as featured (a rank, 1 first, within the
 * product's category), and stores receive the rank with the product's other fields.
 */
describe.each(dbTargets)('featured products in the catalog, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let store: Caller;
  const item = (sku: string, extra: Record<string, unknown> = {}) => ({
    sku,
    name: `Product ${sku}`,
    category: 'Snacks',
    priceMinor: 299,
    taxClass: 'REDUCED',
    ...extra,
  });

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    admin = { cookie: await t.login() };
    store = { bearer: (await t.store('FEAT-1', admin.cookie!)).token };
  });
  afterAll(() => t?.stop());

  it('an import sets a product’s featured rank (absent: not featured), and the product answers with it', async () => {
    const imported = await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [item('CHIPS', { featuredRank: 1 }), item('PRETZELS', { featuredRank: 2 }), item('NUTS')] },
      admin,
    );
    expect(imported.status).toBe(200);
    expect((await t.call('GET', '/api/catalog/products/CHIPS', undefined, admin)).body.featuredRank).toBe(1);
    expect((await t.call('GET', '/api/catalog/products/NUTS', undefined, admin)).body.featuredRank).toBeNull();
    // PUT replaces the product: without a rank it is no longer featured
    const put = await t.call('PUT', '/api/catalog/products/PRETZELS', { ...item('PRETZELS'), sku: undefined }, admin);
    expect(put.status).toBe(200);
    expect(put.body.featuredRank).toBeNull();
  });

  it('stores receive the rank in the catalog pages they pull, each row as the store’s schema checks it', async () => {
    const page = await t.call('GET', '/api/sync/bootstrap/catalog?after=0&limit=100', undefined, store);
    expect(page.status).toBe(200);
    const rows = page.body.rows as Record<string, unknown>[];
    expect(rows.find((r) => r.sku === 'CHIPS')).toMatchObject({ featuredRank: 1 });
    expect(rows.find((r) => r.sku === 'NUTS')).toMatchObject({ featuredRank: null });
    for (const r of rows) expect(catalogRowSchema.safeParse(r).success, String(r.sku)).toBe(true);
  });

  it('refuses a rank that is not a whole number from 1 to 1000, and changes nothing', async () => {
    for (const featuredRank of [0, -1, 1001, 1.5, '1', true]) {
      const r = await t.call(
        'POST',
        '/api/catalog/products/import',
        { items: [item('CHIPS', { featuredRank, name: 'Changed' })] },
        admin,
      );
      expect(r.status, String(featuredRank)).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await t.call('GET', '/api/catalog/products/CHIPS', undefined, admin)).body).toMatchObject({
      name: 'Product CHIPS',
      featuredRank: 1,
    });
  });
});
