/**
 * Builds `demo-catalog.csv` (2,000 products) from the Datakick list in ../shared/data/catalog (CC0). Run once by a
 * developer (`npx tsx central/src/demo/build-demo-catalog.ts`); the output is committed so the demo needs nothing
 * outside the repo. Categories come from keywords in brand and name (first rule that matches; books by their ISBN
 * prefix 978/979); tax class follows the category; prices are deterministic from the GTIN within a per-category range.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isValidGtin } from '@storefleet/shared';
import { parseCsv, toCsvLine } from './csv.js';

const SOURCE = new URL('../../../../shared/data/catalog/datakick-items.csv', import.meta.url);
const TARGET = new URL('./demo-catalog.csv', import.meta.url);
const COUNT = 2000;

const RULES: [category: string, pattern: RegExp, priceRange: [number, number]][] = [
  ['Baby', /\b(baby|diaper|wipes|infant|toddler)\b/i, [299, 3999]],
  ['Pet', /\b(dog|cat|puppy|kitten|pet)\b/i, [199, 4999]],
  [
    'Health & Beauty',
    /\b(vitamin|caplet|tablet|capsule|shampoo|conditioner|lotion|soap|toothpaste|deodorant|razor|cosmetic|lip|sunscreen|ibuprofen|acetaminophen|allergy|supplement)s?\b/i,
    [299, 2999],
  ],
  [
    'Household',
    /\b(detergent|paper towel|tissue|trash|cleaner|bleach|foil|sponge|dish|laundry|batter(y|ies)|light bulb)s?\b/i,
    [199, 2499],
  ],
  [
    'Beverages',
    /\b(water|soda|juice|coffee|tea|cola|drink|beer|wine|lemonade|kombucha|espresso|milk shake)s?\b/i,
    [99, 1999],
  ],
  ['Dairy', /\b(milk|cheese|yogurt|yoghurt|butter|cream|egg)s?\b/i, [149, 899]],
  ['Frozen', /\b(frozen|ice cream|pizza|gelato|sorbet)\b/i, [299, 1199]],
  [
    'Snacks',
    /\b(chip|cookie|cracker|bar|chocolate|candy|jerky|nut|popcorn|pretzel|gum|snack|almond|cashew|trail mix)s?\b/i,
    [99, 899],
  ],
  ['Bakery', /\b(bread|bagel|muffin|tortilla|bun|roll|cake|pie)s?\b/i, [199, 799]],
  ['Meat & Deli', /\b(chicken|beef|turkey|ham|pork|sausage|bacon|salami|tuna|salmon|sardine|shrimp)s?\b/i, [299, 1499]],
  [
    'Produce',
    /\b(raisin|fruit|berry|berries|strawberr(y|ies)|apple|banana|orange|tomato(es)?|potato(es)?|peas|corn|onion|garlic|vegetable|carrot|spinach|olive|avocado|mango|peach|cherr(y|ies)|grape|lemon|lime|mushroom)s?\b/i,
    [99, 899],
  ],
  ['Stationery', /\b(ruled|notebook|pen|pencil|marker|paper|envelope|tape|glue|binder)s?\b/i, [99, 1499]],
  [
    'Pantry',
    /\b(mix|powder|ground|syrup|ketchup|mustard|mayo|mayonnaise|gelatin|dessert|instant|oatmeal|cinnamon|vanilla|chili|spread|kool-aid|dry|cocoa|broth|stock|bouillon|sauce|pasta|rice|bean|soup|cereal|flour|oil|spice|salt|pepper|sugar|honey|jam|peanut butter|oat|granola|vinegar|salsa|dressing|seasoning|noodle)s?\b/i,
    [99, 1299],
  ],
];
const FOOD = new Set(['Beverages', 'Dairy', 'Frozen', 'Snacks', 'Bakery', 'Pantry', 'Produce', 'Meat & Deli']);

function categorise(gtin: string, brand: string, name: string): { category: string; range: [number, number] } {
  if (/^0?97[89]/.test(gtin)) return { category: 'Books', range: [599, 3499] };
  const text = `${brand} ${name}`;
  for (const [category, pattern, range] of RULES) if (pattern.test(text)) return { category, range };
  return { category: 'General Merchandise', range: [199, 4999] };
}

function price(gtin: string, [lo, hi]: [number, number]): number {
  const h = createHash('sha256').update(gtin).digest().readUInt32BE(0);
  const cents = lo + (h % (hi - lo + 1));
  return Math.floor(cents / 10) * 10 + 9; // shelf prices end in 9
}

const [header, ...rows] = parseCsv(readFileSync(SOURCE, 'utf8'));
const col = (name: string) => header!.indexOf(name);
const [iGtin, iBrand, iName, iSize] = [col('GTIN-14'), col('Brand Name'), col('Name'), col('Size')];
const seen = new Set<string>();
const picked = rows
  .map((r) => ({
    gtin: r[iGtin] ?? '',
    brand: (r[iBrand] ?? '').trim(),
    name: (r[iName] ?? '').trim(),
    size: (r[iSize] ?? '').trim(),
  }))
  .filter(
    (p) => isValidGtin(p.gtin) && p.name.length > 1 && !/^test$/i.test(p.name) && !seen.has(p.gtin) && seen.add(p.gtin),
  )
  .sort((a, b) => a.gtin.localeCompare(b.gtin))
  .slice(0, COUNT);

const lines = [toCsvLine(['sku', 'gtin', 'name', 'brand', 'size', 'category', 'price_minor', 'tax_class'])];
picked.forEach((p, i) => {
  const { category, range } = categorise(p.gtin, p.brand, p.name);
  const taxClass = category === 'Books' ? 'ZERO' : FOOD.has(category) ? 'REDUCED' : 'STANDARD';
  const sku = `SF-${String(i + 1).padStart(5, '0')}`;
  lines.push(
    toCsvLine([sku, p.gtin, p.name, p.brand || null, p.size || null, category, price(p.gtin, range), taxClass]),
  );
});
writeFileSync(TARGET, `${lines.join('\n')}\n`);
console.log(`wrote ${picked.length} products to ${TARGET.pathname}`);
