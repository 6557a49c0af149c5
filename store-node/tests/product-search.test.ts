import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { ProductSearch, type StoreProduct } from '../src/catalog/product-search.js';
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

describe('the kiosk home page (featured)', () => {
  it('shows only what is in stock here, by category: best sellers of the last 30 days first, then most in stock', async () => {
    const node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-featured-')), 'store.sqlite'),
      logLevel: 'silent',
    });
    const now = Date.UTC(2026, 10, 28);
    const product = node.db.prepare(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       VALUES (?, ?, ?, 100, 'USD', 'STANDARD', 1)`,
    );
    const stock = node.db.prepare('INSERT INTO stock (sku, on_hand, updated_at) VALUES (?, ?, 1)');
    const sale = node.db.prepare(
      `INSERT INTO sales (id, status, currency, opened_at, closed_at) VALUES (?, 'COMPLETED', 'USD', ?, ?)`,
    );
    const line = node.db.prepare(
      `INSERT INTO sale_lines (sale_id, sku, name, tax_class, unit_price_minor, qty) VALUES (?, ?, 'x', 'STANDARD', 100, ?)`,
    );
    for (const [sku, category, onHand] of [
      ['TEA', 'Drinks', 50],
      ['COFFEE', 'Drinks', 5],
      ['JUICE', 'Drinks', 0],
      ['BREAD', 'Bakery', 9],
    ] as const) {
      product.run(sku, sku.toLowerCase(), category);
      stock.run(sku, onHand);
    }
    sale.run('recent', now - 86_400_000, now - 86_400_000);
    line.run('recent', 'COFFEE', 3);
    sale.run('old', now - 40 * 86_400_000, now - 40 * 86_400_000); // outside the 30 days
    line.run('old', 'TEA', 1);
    const featured = new ProductSearch(node.db).featured(6, 8, now);
    expect(featured.map((c) => [c.category, c.items.map((p) => p.sku)])).toEqual([
      ['Drinks', ['COFFEE', 'TEA']], // sold here lately, then the most on hand; JUICE (none here) left out
      ['Bakery', ['BREAD']],
    ]);
    expect(new ProductSearch(node.db).featured(1, 1, now)).toEqual([
      { category: 'Drinks', items: [expect.objectContaining({ sku: 'COFFEE', onHand: 5 })] },
    ]);
    await node.stop();
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
    expect(new ProductSearch(db as never).search('creme brulee', null, 5).map((p) => p.sku)).toEqual(['CRM']);
    db.close();
  });
});
