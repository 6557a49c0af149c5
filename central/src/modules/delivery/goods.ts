import type { CatalogProduct } from '@storefleet/shared';

/**
 * What a delivery carries, from the catalog. The catalog keeps no weights and no age flag, so both are derived here
 * and documented as rules (README, "Delivery"):
 * - Weight: a product's `size` when it states a mass or a volume ("16 oz", "425g", "946ml (1QT)", "6 x 330 ml"; a
 *   volume weighs as water, 1 g per ml), else 500 g a unit. Fifty grams is the least a unit weighs (packaging).
 * - Age: a product is age-restricted when its category or name names alcohol or tobacco (beer, wine, spirits,
 *   cigarettes, vapes…; "root beer", "ginger ale" and alcohol-free drinks are not). Head office can make it certain by
 *   filing such products under a category called Alcohol or Tobacco. A restricted delivery needs an ID check at the
 *   door, which a drone cannot do.
 */
export const DEFAULT_UNIT_GRAMS = 500;
const LEAST_UNIT_GRAMS = 50;

const GRAMS_PER: Record<string, number> = {
  mg: 0.001,
  g: 1,
  gr: 1,
  kg: 1000,
  oz: 28.3495,
  lb: 453.592,
  lbs: 453.592,
  ml: 1,
  cl: 10,
  dl: 100,
  l: 1000,
  lt: 1000,
  ltr: 1000,
  floz: 29.5735,
  ounce: 28.3495,
  ounces: 28.3495,
  pound: 453.592,
  pounds: 453.592,
  litre: 1000,
  liter: 1000,
  litres: 1000,
  liters: 1000,
};

const AMOUNT = /(?:(\d{1,3})\s*[x×]\s*)?(\d+(?:[.,]\d+)?)\s*(fl\.?\s*oz|[a-z]+)\b/gi;

/** Grams in one unit of a product whose size reads `size`, or undefined when the size states no mass or volume. */
export function gramsFromSize(size: string | null | undefined): number | undefined {
  if (!size) return undefined;
  for (const m of size.matchAll(AMOUNT)) {
    const unit = m[3]!.toLowerCase().replace(/[.\s]/g, '');
    const per = GRAMS_PER[unit];
    if (per === undefined) continue;
    const grams = Number(m[2]!.replace(',', '.')) * per * (m[1] ? Number(m[1]) : 1);
    if (Number.isFinite(grams) && grams > 0) return Math.max(LEAST_UNIT_GRAMS, Math.round(grams));
  }
  return undefined;
}

const RESTRICTED =
  /(?<![\p{L}\p{N}])(?:alcohol|beers?|bier|wines?|wein|vino|lagers?|ales?|ipa|ciders?|spirits?|vodka|whiske?y|bourbon|scotch|rum|gin|tequila|mezcal|brandy|cognac|liqueurs?|champagne|prosecco|sake|hard seltzer|tobacco|cigarettes?|cigars?|cigarillos?|vapes?|e-cigarettes?|nicotine|snus)(?![\p{L}\p{N}])/iu;
const NOT_RESTRICTED =
  /(?<![\p{L}\p{N}])(?:root beer|ginger beer|ginger ale|birch beer|non-alcoholic|alcohol-free|alcohol free|0\.0 ?%|wine vinegar|wine gums?|cooking wine|rum raisin)(?![\p{L}\p{N}])/iu;

/** Whether a product needs an ID check at the door (see the rule above). */
export function isAgeRestricted(p: Pick<CatalogProduct, 'name' | 'category'>): boolean {
  if (/^(alcohol|tobacco)\b/i.test(p.category.trim())) return true;
  const text = `${p.category} ${p.name}`;
  return RESTRICTED.test(text) && !NOT_RESTRICTED.test(text);
}

/** The weight and age check of a delivery's lines; a sku the catalog lacks weighs the default and is not restricted. */
export function goodsOf(
  lines: readonly { readonly sku: string; readonly qty: number }[],
  products: ReadonlyMap<string, Pick<CatalogProduct, 'name' | 'category' | 'size'>>,
): { readonly weightGrams: number; readonly ageRestricted: boolean } {
  let weightGrams = 0;
  let ageRestricted = false;
  for (const l of lines) {
    const p = products.get(l.sku);
    weightGrams += (gramsFromSize(p?.size) ?? DEFAULT_UNIT_GRAMS) * l.qty;
    if (p && isAgeRestricted(p)) ageRestricted = true;
  }
  return { weightGrams, ageRestricted };
}

/** "14 kg", "1.2 kg", "800 g". */
export function formatWeight(grams: number): string {
  if (grams < 1000) return `${Math.round(grams)} g`;
  const kg = grams / 1000;
  return `${kg < 10 ? Number(kg.toFixed(1)) : Math.round(kg)} kg`;
}
