import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/demo/csv.js';
import { categorise, taxClassOf, usableName } from '../src/demo/demo-catalog-rules.js';
import { demoFeatured } from '../src/demo/demo-featured.js';
import { catalogRows } from '../src/demo/demo-seed.js';

/**
 * #17, demo data that looks real: the committed demo catalog (built by build-demo-catalog.ts from the Datakick list)
 * files products where a shopper would look for them, and every name is one a shelf label could carry.
 */
const [header] = parseCsv(readFileSync(new URL('../src/demo/demo-catalog.csv', import.meta.url), 'utf8'));
const products = catalogRows(); // as the demo seeds them
const byGtin = (gtin: string) => products.find((p) => p.gtin === gtin);

describe('the demo catalog', () => {
  it('has 2,000 products under the columns the demo seeds, each sku once', () => {
    expect(header).toEqual(['sku', 'gtin', 'name', 'brand', 'size', 'category', 'price_minor', 'tax_class']);
    expect(products).toHaveLength(2000);
    expect(new Set(products.map((p) => p.sku)).size).toBe(2000);
  });

  it('has no product named only by digits or without a word of three letters', () => {
    expect(products.filter((p) => /^[\d\s.-]+$/.test(p.name)).map((p) => p.name)).toEqual([]);
    expect(products.filter((p) => (p.name.match(/\p{L}/gu)?.length ?? 0) < 3).map((p) => p.name)).toEqual([]);
    // the example from the issue: Cheez Whiz, whose name in the list is its UPC
    expect(byGtin('00040100002306')).toBeUndefined();
  });

  it('files the issue’s examples where a shopper looks for them, at that kind of product’s price and tax', () => {
    expect(byGtin('00048155905818')).toMatchObject({
      name: 'Cold Water Wool Wash For Fine Washables',
      category: 'Household',
      taxClass: 'STANDARD',
    });
    expect(byGtin('00048155905818')!.priceMinor).toBeGreaterThanOrEqual(699); // a detergent, not a $2.99 drink
    for (const p of products.filter((p) => /ketchup/i.test(p.name))) expect(p.category, p.name).toBe('Pantry');
    for (const p of products.filter((p) => /\b(corn chips|popcorn|tortilla chips)\b/i.test(p.name)))
      expect(p.category, p.name).toBe('Snacks');
    expect(byGtin('00028400000222')).toMatchObject({ name: 'Mild Cheddar', brand: 'Fritos', category: 'Snacks' });
    for (const p of products.filter((p) => /macaroni (and|&) cheese|cream of mushroom/i.test(p.name)))
      expect(p.category, p.name).toBe('Pantry');
  });

  it('keeps the rules for the words in them: whole words, the specific before the general', () => {
    expect(categorise('00000000000001', 'Power House', 'Cold Water Wool Wash')).toMatchObject({
      category: 'Household',
    });
    expect(categorise('00000000000001', 'Heinz', 'Tomato Ketchup').category).toBe('Pantry');
    expect(categorise('00000000000001', "Newman's Own", 'Microwave Popcorn Butter').category).toBe('Snacks');
    expect(categorise('00000000000001', 'Cracker Barrel', 'Cheese Sharp Cheddar').category).toBe('Dairy');
    expect(categorise('00000000000001', 'Kroger', 'Milk').category).toBe('Dairy');
    expect(categorise('00000000000001', 'Dasani', 'Water').category).toBe('Beverages');
    expect(categorise('00000000000001', 'Lipton', 'Black Tea').category).toBe('Beverages'); // not lip balm
    expect(taxClassOf('Household')).toBe('STANDARD');
    expect(taxClassOf('Snacks')).toBe('REDUCED');
    expect(usableName('021000626793')).toBe(false);
    expect(usableName('test')).toBe(false);
    expect(usableName('Milk')).toBe(true);
  });

  it('features a few products in every category for the kiosk home page, known brands first', () => {
    const ranks = demoFeatured(products);
    const categories = new Set(products.map((p) => p.category));
    for (const category of categories) {
      const featured = products.filter((p) => p.category === category && ranks.has(p.sku));
      expect(featured.length, category).toBe(Math.min(3, products.filter((p) => p.category === category).length));
      expect(featured.map((p) => ranks.get(p.sku)).sort(), category).toEqual([1, 2, 3].slice(0, featured.length));
    }
    const rankOne = (category: string) => products.find((p) => p.category === category && ranks.get(p.sku) === 1)!;
    expect(rankOne('Pantry').brand).toMatch(/Heinz|Kraft|Trader Joe's|Betty Crocker|Progresso|Annie's/);
    expect(demoFeatured(products)).toEqual(ranks); // the same every run
  });
});
