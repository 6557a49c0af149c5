import { createHash } from 'node:crypto';

/**
 * The demo's featured products: what head office would put on the kiosk home page, a few per category. A product of
 * a brand shoppers know comes first (a kiosk showing Heinz and Doritos looks like a shop; one showing the first names
 * of the alphabet did not), then the rest in a fixed shuffled order (a hash of the sku), so every run features the same.
 */
const KNOWN_BRANDS = new Set(
  [
    "Annie's",
    'Betty Crocker',
    'Cheez It',
    'Coca-Cola',
    'Colgate',
    'Doritos',
    'Dove',
    'Duracell',
    'Fritos',
    'Gillette',
    'Heinz',
    "Hershey's",
    'Kraft',
    "Kellogg's",
    'Lipton',
    'Nestle',
    "Newman's Own",
    'Pepperidge Farm',
    'Pepsi',
    'Progresso',
    'Starbucks',
    'Tide',
    "Trader Joe's",
  ].map((b) => b.toLowerCase()),
);

export interface FeaturableRow {
  readonly sku: string;
  readonly brand: string;
  readonly category: string;
}

/** The featured rank (1 first) of each featured sku: at most `perCategory` in every category. */
export function demoFeatured(rows: readonly FeaturableRow[], perCategory = 3): Map<string, number> {
  const order = (r: FeaturableRow) => createHash('sha256').update(r.sku).digest().readUInt32BE(0);
  const known = (r: FeaturableRow) => (KNOWN_BRANDS.has(r.brand.trim().toLowerCase()) ? 0 : 1);
  const byCategory = new Map<string, FeaturableRow[]>();
  for (const r of rows) byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r]);
  const ranks = new Map<string, number>();
  for (const list of byCategory.values()) {
    const chosen = [...list].sort((a, b) => known(a) - known(b) || order(a) - order(b)).slice(0, perCategory);
    for (const [i, r] of chosen.entries()) ranks.set(r.sku, i + 1);
  }
  return ranks;
}
