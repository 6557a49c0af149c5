import { readFileSync } from 'node:fs';
import type { SqliteDb } from '../../src/db/open-sqlite.js';

/** The 6,561 real products of /work/shared/data/catalog (Datakick, CC0); `SF_REAL_CATALOG` names another copy. */
export const REAL_CATALOG = process.env.SF_REAL_CATALOG ?? '/work/shared/data/catalog/datakick-items.csv';

export interface RealProduct {
  readonly sku: string;
  readonly gtin: string;
  readonly name: string;
  readonly brand: string;
  readonly size: string;
  readonly category: string;
}

/** RFC 4180 fields: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (field || row.length) endRow();
  return rows;
}

/** A rough aisle from the name, enough to give the index a category column (the demo seed has finer rules). */
const AISLES: [string, RegExp][] = [
  ['Beverages', /\b(cola|coke|soda|water|juice|coffee|tea|drink|beer|wine|lemonade)s?\b/i],
  ['Snacks', /\b(chip|cookie|cracker|bar|chocolate|candy|jerky|nut|popcorn|pretzel)s?\b/i],
  ['Dairy', /\b(milk|cheese|yogurt|butter|cream|egg)s?\b/i],
];
const aisle = (text: string) => AISLES.find(([, re]) => re.test(text))?.[0] ?? 'General Merchandise';

/** The real catalog's products with a name (the sku is `RC-<line>`, so every row is kept, duplicates too). */
export function realProducts(path = REAL_CATALOG): RealProduct[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const col = (name: string) => header!.indexOf(name);
  const [g, b, n, s] = [col('GTIN-14'), col('Brand Name'), col('Name'), col('Size')];
  return rows
    .filter((r) => (r[n] ?? '').trim())
    .map((r, i) => {
      const name = r[n]!.trim();
      const brand = (r[b] ?? '').trim();
      return {
        sku: `RC-${i + 1}`,
        gtin: r[g] ?? '',
        name,
        brand,
        size: (r[s] ?? '').trim(),
        category: aisle(`${brand} ${name}`),
      };
    });
}

/** Writes the products into a migrated store database's catalog copy, in one transaction. */
export function loadRealCatalog(db: SqliteDb, products: readonly RealProduct[]): void {
  const insert = db.prepare(
    `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 299, 'USD', 'STANDARD', 1)`,
  );
  db.transaction(() => {
    for (const p of products) insert.run(p.sku, p.gtin || null, p.name, p.brand || null, p.size || null, p.category);
  })();
}
