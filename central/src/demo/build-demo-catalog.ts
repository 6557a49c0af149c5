/**
 * Builds `demo-catalog.csv` (2,000 products) from the Datakick list in ../shared/data/catalog (CC0). Run once by a
 * developer (`npx tsx central/src/demo/build-demo-catalog.ts`); the output is committed so the demo needs nothing
 * outside the repo. Categories come from keywords in brand and name (demo-catalog-rules.ts: first rule that matches;
 * books by their ISBN prefix 978/979); tax class follows the category; prices are deterministic from the GTIN within
 * the matching rule's range. A product whose name is unusable (only digits, a placeholder) is left out; skus number the
 * list before that, so a product keeps its sku when a rule or the filter changes (the extras take SF-02001 on).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isValidGtin } from '@storefleet/shared';
import { parseCsv, toCsvLine } from './csv.js';
import { categorise, taxClassOf, usableName } from './demo-catalog-rules.js';

const SOURCE = new URL('../../../../shared/data/catalog/datakick-items.csv', import.meta.url);
const TARGET = new URL('./demo-catalog.csv', import.meta.url);
const COUNT = 2000;

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
  .map((p, i) => ({ ...p, sku: `SF-${String(i + 1).padStart(5, '0')}` }))
  .filter((p) => usableName(p.name))
  .slice(0, COUNT);

const lines = [toCsvLine(['sku', 'gtin', 'name', 'brand', 'size', 'category', 'price_minor', 'tax_class'])];
for (const p of picked) {
  const { category, range } = categorise(p.gtin, p.brand, p.name);
  lines.push(
    toCsvLine([
      p.sku,
      p.gtin,
      p.name,
      p.brand || null,
      p.size || null,
      category,
      price(p.gtin, range),
      taxClassOf(category),
    ]),
  );
}
writeFileSync(TARGET, `${lines.join('\n')}\n`);
console.log(`wrote ${picked.length} products to ${TARGET.pathname}`);
