import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { ProductSearch, type StoreProduct } from '../src/catalog/product-search.js';
import { dailyDraw, dailyPick } from '../src/catalog/home-page-pick.js';
import { loadRealCatalog, realProducts, type RealProduct } from './support/real-catalog.js';

const words = (p: StoreProduct) => `${p.name} ${p.brand ?? ''}`.toLowerCase().split(/[^\p{L}\p{N}]+/u);

describe('product search over the 6,561 real products (SQLite FTS5, bm25)', () => {
  let node: StoreNode;
  let search: ProductSearch;
  let real: RealProduct[];
  const names = (q: string, limit = 10) => search.search(q, null, limit).map((p) => p.name);

  beforeAll(() => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-search-')), 'store.sqlite'),
      logLevel: 'silent',
    });
    real = realProducts();
    loadRealCatalog(node.db, real);
    search = new ProductSearch(node.db);
  });
  afterAll(() => node?.stop());

  it('loads the whole real list', () => {
    expect(real.length).toBeGreaterThan(6500);
    expect((node.db.prepare('SELECT count(*) AS n FROM catalog_search').get() as { n: number }).n).toBe(real.length);
  });

  it('"cola" finds the colas first and chocolate (cola inside a word) never before them', () => {
    const found = search.search('cola', null, 100);
    const isCola = (p: StoreProduct) => words(p).includes('cola');
    const colas = found.filter(isCola);
    expect(colas.length).toBeGreaterThanOrEqual(5);
    const lastCola = found.findLastIndex(isCola);
    const firstChocolate = found.findIndex((p) => !isCola(p) && /chocolate/i.test(p.name));
    if (firstChocolate >= 0) expect(firstChocolate).toBeGreaterThan(lastCola);
    expect(found.slice(0, 24).some((p) => !isCola(p) && /chocolate/i.test(p.name))).toBe(false); // the kiosk's page
    expect(found.slice(0, colas.length).every(isCola)).toBe(true);
  });

  it('finds as you type: "choc" finds chocolate, "coca co" finds Coca-Cola', () => {
    const choc = search.search('choc', null, 10);
    expect(choc).toHaveLength(10);
    for (const p of choc) expect(p.name.toLowerCase()).toMatch(/\bchoc/);
    for (const p of search.search('coca co', null, 10)) expect(`${p.brand} ${p.name}`).toMatch(/coca.?cola/i);
  });

  it('ranks the name above the brand and a whole word above a longer one ("dark chocolate")', () => {
    const top = names('dark chocolate', 5);
    for (const n of top) expect(n.toLowerCase()).toMatch(/\bdark\b.*\bchocolate\b|\bchocolate\b.*\bdark\b/);
    // the brand alone finds the brand's products
    expect(search.search('dove', null, 20).every((p) => /dove/i.test(`${p.brand}`))).toBe(true);
  });

  it('ignores case and diacritics both ways: "JALAPENO" finds Jalapeño, "nestlé" and "nestle" find Nestlé', () => {
    expect(names('JALAPENO')).toContain('Spicy Jalapeño Chicken Sausage');
    expect(names('jalapeño')).toContain('Spicy Jalapeño Chicken Sausage');
    const nestle = search.search('nestle', null, 50).map((p) => p.brand);
    expect(nestle.length).toBeGreaterThan(0);
    expect(nestle).toContain('Nestlé');
    expect(search.search('NESTLÉ', null, 50).map((p) => p.brand)).toEqual(nestle);
  });

  it('an exact sku or a scanned barcode (any GTIN length) comes first', () => {
    const coke = real.find((p) => p.brand === 'Coca Cola' && p.gtin.startsWith('00'))!;
    expect(search.search(coke.sku, null, 5)[0]!.sku).toBe(coke.sku);
    expect(search.search(coke.gtin.slice(2), null, 5)[0]!.sku).toBe(coke.sku); // the 12-digit UPC on the can
  });

  it('treats hostile text as words: quotes, *, NEAR, AND, NOT, parentheses, column filters, 10 kB — never an FTS error', () => {
    for (const q of [
      '"',
      '""',
      '*',
      'cola*',
      '"cola',
      'NEAR(cola chocolate)',
      'cola AND',
      'NOT',
      'OR OR',
      'name:cola',
      '^cola',
      '(cola',
      'cola)',
      "'; DROP TABLE catalog_products; --",
      '%_\\',
      'cola\u0000',
      '\u{1F600}',
      'x'.repeat(10_240),
      'cola '.repeat(2000),
    ])
      expect(() => search.search(q, null, 10), q.slice(0, 40)).not.toThrow();
    expect(names('NEAR(dark, chocolate)').length).toBe(0); // the words near, dark and chocolate: none has all three
    expect(names('"dark" (chocolate)')).toEqual(names('dark chocolate'));
    expect(search.search('"cola', null, 5).every((p) => words(p).includes('cola'))).toBe(true);
    expect(search.search('*', null, 5)).toEqual([]); // no word, nothing found (not the whole catalog)
  });

  it('keeps the index in step with the catalog: a renamed product is found by its new name only, a removed one not at all', () => {
    const p = real[0]!;
    node.db.prepare("UPDATE catalog_products SET name = 'Zzyzx Quokka Crisps' WHERE sku = ?").run(p.sku);
    expect(names('quokka')).toEqual(['Zzyzx Quokka Crisps']);
    node.db.prepare('DELETE FROM catalog_products WHERE sku = ?').run(p.sku);
    expect(names('quokka')).toEqual([]);
    expect(names('zzyzx')).toEqual([]);
  });

  it('looks inside words only when no word starts with the text: "awberr" finds Strawberry', () => {
    const berry = search.search('awberr', null, 24);
    expect(berry.length).toBeGreaterThan(0);
    for (const p of berry) expect(`${p.name} ${p.brand}`.toLowerCase()).toContain('strawberr');
  });

  it('filters by category within the ranked answer', () => {
    const drinks = search.search('cola', 'Beverages', 20);
    expect(drinks.length).toBeGreaterThan(0);
    expect(drinks.every((p) => p.category === 'Beverages')).toBe(true);
  });
});

describe('the kiosk home page: featured, best sellers here, then the day’s pick', () => {
  const now = Date.UTC(2026, 10, 28, 15);
  const DAY = 86_400_000;
  /** A store node whose catalog and shelves hold `products` ([sku, category, on hand, featured rank]). */
  const storeWith = (products: readonly (readonly [string, string, number, number | null])[]) => {
    const node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-home-')), 'store.sqlite'),
      logLevel: 'silent',
    });
    const product = node.db.prepare(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, featured_rank, updated_at)
       VALUES (?, ?, ?, 100, 'USD', 'STANDARD', ?, 1)`,
    );
    const stock = node.db.prepare('INSERT INTO stock (sku, on_hand, updated_at) VALUES (?, ?, 1)');
    for (const [sku, category, onHand, rank] of products) {
      product.run(sku, `${sku[0]}${sku.slice(1).toLowerCase()}`, category, rank);
      stock.run(sku, onHand);
    }
    return node;
  };
  const skus = (ps: readonly StoreProduct[]) => ps.map((p) => p.sku);

  it('a new store (no sales, full shelves) shows head office’s featured products first, not A→G', async () => {
    const pantry = 'ABCDEFGHIJKLMNOPQRST'.split('').map((c) => [`${c}${c}${c}`, 'Pantry', 24, null] as const);
    const node = storeWith([
      ...pantry,
      ['YAMS', 'Produce', 30, 2],
      ['ZUCCHINI', 'Produce', 30, 1],
      ['XIGUA', 'Produce', 0, 1], // featured, but none here
      ['WATERCRESS', 'Produce', 30, null],
    ]);
    const home = new ProductSearch(node.db).home(6, 8, now);
    expect(skus(home.featured)).toEqual(['ZUCCHINI', 'YAMS']); // by rank; what is not here is not shown
    expect(home.bestSellers).toEqual([]); // nothing sold yet: no "best sellers" made up from stock
    const pick = home.categories.find((c) => c.category === 'Pantry')!;
    expect(pick.items).toHaveLength(6);
    expect(skus(pick.items)).not.toEqual(['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF']); // not the first names
    expect(home.categories.find((c) => c.category === 'Produce')!.items.map((p) => p.sku)).toEqual(['WATERCRESS']);
    // The same day shows the same page; another day another pick.
    expect(new ProductSearch(node.db).home(6, 8, now + 3_600_000)).toEqual(home);
    const days = Array.from({ length: 5 }, (_, d) =>
      skus(new ProductSearch(node.db).home(6, 8, now + (d + 1) * DAY).categories[0]!.items).join(),
    );
    expect(new Set([skus(pick.items).join(), ...days]).size).toBeGreaterThan(3);
    await node.stop();
  });

  it('best sellers here are this store’s of the last 30 days, in stock, after the featured and never twice', async () => {
    const node = storeWith([
      ['TEA', 'Drinks', 50, null],
      ['COFFEE', 'Drinks', 5, null],
      ['COCOA', 'Drinks', 4, 1],
      ['JUICE', 'Drinks', 0, null],
      ['BREAD', 'Bakery', 9, null],
    ]);
    const sale = node.db.prepare(
      `INSERT INTO sales (id, status, currency, opened_at, closed_at) VALUES (?, 'COMPLETED', 'USD', ?, ?)`,
    );
    const line = node.db.prepare(
      `INSERT INTO sale_lines (sale_id, sku, name, tax_class, unit_price_minor, qty) VALUES (?, ?, 'x', 'STANDARD', 100, ?)`,
    );
    sale.run('recent', now - DAY, now - DAY);
    line.run('recent', 'COFFEE', 3);
    line.run('recent', 'BREAD', 1);
    line.run('recent', 'COCOA', 9); // featured already: shown there only
    line.run('recent', 'JUICE', 4); // sold out here: not offered
    sale.run('old', now - 40 * DAY, now - 40 * DAY); // outside the 30 days
    line.run('old', 'TEA', 100);
    const home = new ProductSearch(node.db).home(6, 8, now);
    expect(skus(home.featured)).toEqual(['COCOA']);
    expect(skus(home.bestSellers)).toEqual(['COFFEE', 'BREAD']);
    expect(home.categories.map((c) => [c.category, skus(c.items)])).toEqual([['Drinks', ['TEA']]]);
    expect(home.bestSellers[0]).toMatchObject({ sku: 'COFFEE', onHand: 5, name: 'Coffee' });
    expect(new ProductSearch(node.db).home(1, 1, now).categories).toEqual([
      { category: 'Drinks', items: [expect.objectContaining({ sku: 'TEA', onHand: 50 })] },
    ]);
    await node.stop();
  });

  it('the day’s pick favours what the store has plenty of, without always showing the same products', () => {
    const products = [
      { sku: 'PLENTY', category: 'C', onHand: 200 },
      { sku: 'FEW', category: 'C', onHand: 1 },
      ...Array.from({ length: 8 }, (_, i) => ({ sku: `MID-${i}`, category: 'C', onHand: 20 })),
    ];
    const shown = { PLENTY: 0, FEW: 0 };
    for (let day = 0; day < 200; day++) {
      const picked = dailyPick(products, 3, day)
        .get('C')!
        .map((p) => p.sku);
      expect(picked).toHaveLength(3);
      expect(
        dailyPick(products, 3, day)
          .get('C')!
          .map((p) => p.sku),
      ).toEqual(picked); // same day, same pick
      if (picked.includes('PLENTY')) shown.PLENTY++;
      if (picked.includes('FEW')) shown.FEW++;
    }
    expect(shown.PLENTY).toBeGreaterThan(150);
    expect(shown.FEW).toBeLessThan(40);
    expect(shown.FEW).toBeGreaterThan(0);
    for (let day = 0; day < 50; day++) {
      const u = dailyDraw('MID-3', day);
      expect(u > 0 && u < 1).toBe(true);
    }
  });
});

describe('the search migration', () => {
  it('indexes the products a store already had before it', () => {
    const db = new Database(join(mkdtempSync(join(tmpdir(), 'sf-search-mig-')), 'store.sqlite'));
    const schema = (f: string) => readFileSync(new URL(`../src/catalog/schema/${f}`, import.meta.url), 'utf8');
    db.exec(schema('001_init.sql'));
    db.exec(schema('002_versions.sql'));
    db.exec('CREATE TABLE stock (sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL, low_stock_at INTEGER NOT NULL)');
    db.exec(`CREATE TABLE sales (id TEXT PRIMARY KEY, status TEXT, closed_at INTEGER);
      CREATE TABLE sale_lines (sale_id TEXT, sku TEXT, qty INTEGER)`); // what the home page's best sellers read
    db.prepare(
      `INSERT INTO catalog_products (sku, name, brand, category, price_minor, currency, tax_class, updated_at)
       VALUES ('CRM', 'Crème brûlée', 'Chez Nous', 'Dairy', 499, 'EUR', 'STANDARD', 1)`,
    ).run();
    db.exec(schema('003_search.sql'));
    db.exec(schema('004_featured.sql'));
    expect(new ProductSearch(db as never).search('creme brulee', null, 5).map((p) => p.sku)).toEqual(['CRM']);
    db.close();
  });
});
