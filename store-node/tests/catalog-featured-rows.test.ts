import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCatalog } from '../src/catalog/catalog-sink.js';
import { createStoreNode, type StoreNode } from '../src/index.js';

/**
 * #17: the store's copy of the catalog carries head office's featured rank, and a page of catalog rows from the hub
 * is checked (catalogRowSchema) before anything is written.
 */
describe('catalog rows from the hub, at the store', () => {
  let node: StoreNode;
  const row = (sku: string, version: number, extra: Record<string, unknown> = {}) => ({
    sku,
    gtin: null,
    name: `Product ${sku}`,
    brand: null,
    size: null,
    category: 'Snacks',
    priceMinor: 299,
    currency: 'USD',
    taxClass: 'REDUCED',
    featuredRank: null,
    updatedAt: 1,
    version,
    ...extra,
  });
  const held = () =>
    node.db.prepare('SELECT sku, featured_rank AS featuredRank FROM catalog_products ORDER BY sku').all();
  const version = () =>
    (node.db.prepare('SELECT version FROM catalog_sync WHERE id = 1').get() as { version: number }).version;

  beforeAll(() => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-catalog-rows-')), 'store.sqlite'),
      logLevel: 'silent',
    });
  });
  afterAll(() => node?.stop());

  it('keeps the featured rank, and a later version changes it; a row without one (an older hub) is not featured', () => {
    upsertCatalog(node.db, [row('CHIPS', 1, { featuredRank: 2 }), row('NUTS', 2)]);
    const { featuredRank: _, ...older } = row('PRETZELS', 3);
    upsertCatalog(node.db, [older]);
    expect(held()).toEqual([
      { sku: 'CHIPS', featuredRank: 2 },
      { sku: 'NUTS', featuredRank: null },
      { sku: 'PRETZELS', featuredRank: null },
    ]);
    upsertCatalog(node.db, [row('CHIPS', 4, { featuredRank: 1 })]);
    expect(held()[0]).toEqual({ sku: 'CHIPS', featuredRank: 1 });
    expect(version()).toBe(4);
  });

  it('takes a row with a field it does not know (a newer hub): stored, the field dropped, the pull goes on', () => {
    upsertCatalog(node.db, [row('OLIVES', 5, { featuredRank: 3, allergens: ['nuts'], colour: 'green' })]);
    expect(held()).toContainEqual({ sku: 'OLIVES', featuredRank: 3 });
    expect(version()).toBe(5);
    // the known fields are still checked: a bad price beside an unknown field is refused
    expect(() => upsertCatalog(node.db, [row('CAPERS', 6, { priceMinor: -1, allergens: [] })])).toThrow();
    expect(held().map((r: any) => r.sku)).not.toContain('CAPERS');
  });

  it('refuses a page with one bad row whole: nothing written, the version unchanged', () => {
    for (const bad of [
      { featuredRank: 0 },
      { featuredRank: 'top' },
      { priceMinor: -1 },
      { taxClass: 'LUXURY' },
      { name: '' },
    ]) {
      expect(() =>
        node.db.transaction(() => upsertCatalog(node.db, [row('CRACKERS', 9), row('CHIPS', 10, bad)])).immediate(),
      ).toThrow();
      expect(held().map((r: any) => r.sku)).not.toContain('CRACKERS');
      expect(version()).toBe(5);
    }
  });
});
