import type { Interaction } from '../../../central/src/kernel/ports/recommendations.js';
import { seededRandom } from '../../../central/src/modules/delivery/carriers/seeded-random.js';

/** How big a synthetic shop the recs-serve bench builds. */
export interface ShopSize {
  readonly customers: number;
  readonly products: number;
  /** Interactions in all (views, cart adds, purchases), roughly: the generator stops at the basket that passes it. */
  readonly interactions: number;
}

export const CATEGORIES = [
  'Dairy',
  'Bakery',
  'Produce',
  'Pantry',
  'Beverages',
  'Snacks',
  'Frozen',
  'Meat & Deli',
  'Household',
  'Health & Beauty',
  'Baby',
  'Pet',
] as const;

export interface BenchProduct {
  readonly sku: string;
  readonly name: string;
  readonly brand: string;
  readonly category: string;
  readonly priceMinor: number;
}

/** The synthetic shop: its catalog, what its customers did, and which products go together. */
export interface Shop {
  readonly products: readonly BenchProduct[];
  readonly interactions: readonly ShopInteraction[];
  /** Per customer number, the skus they bought. */
  readonly bought: readonly Set<string>[];
  /** Skus bought in one basket with at least one other sku (the product surface's anchors). */
  readonly coPurchased: readonly string[];
}

export type ShopInteraction = Omit<Interaction, 'customerId'> & { readonly customerNo: number };

const pad = (n: number) => String(n).padStart(6, '0');

/**
 * A deterministic shop of `size` (seeded): products in 12 categories, each with a partner product in another category
 * (pasta and its sauce: the pairs "bought together" should find), popularity skewed (a few products sell a lot);
 * customers with two favourite categories, who view, add to the cart and buy baskets of 2–6 products, mostly of their
 * favourites, a product's partner with it half the time. Times spread over the last 25 days before `now`.
 */
export function syntheticShop(size: ShopSize, stores: readonly string[], now: number): Shop {
  const random = seededRandom(`recs-serve ${size.customers} ${size.products} ${size.interactions}`);
  const products: BenchProduct[] = Array.from({ length: size.products }, (_, i) => {
    const category = CATEGORIES[i % CATEGORIES.length]!;
    return {
      sku: `RS-${pad(i + 1)}`,
      name: `${category} item ${i + 1}`,
      brand: `Brand ${(i % 37) + 1}`,
      category,
      priceMinor: 99 + ((i * 37) % 2_000),
    };
  });
  const byCategory = CATEGORIES.map((_, c) => products.filter((_, i) => i % CATEGORIES.length === c));
  // a product's partner: a product of the next category, fixed (so pairs repeat across customers)
  const partner = (i: number) => {
    const c = (i % CATEGORIES.length) + 1;
    const list = byCategory[c % CATEGORIES.length]!;
    return list[Math.floor(i / CATEGORIES.length) % list.length]!;
  };
  // popularity skewed within a category: index r of the list is picked with weight ~ 1/(r+1)^0.8 (by inversion)
  const skewed = (list: readonly BenchProduct[]) =>
    list[Math.min(list.length - 1, Math.floor(list.length * random() ** 2.2))]!;
  const indexOf = new Map(products.map((p, i) => [p.sku, i]));

  const interactions: ShopInteraction[] = [];
  const bought = Array.from({ length: size.customers }, () => new Set<string>());
  const pairsSeen = new Set<string>();
  let basketNo = 0;
  while (interactions.length < size.interactions) {
    const customerNo = Math.floor(random() ** 1.3 * size.customers); // some customers shop far more often
    const favourites = [customerNo % CATEGORIES.length, (customerNo * 7 + 3) % CATEGORIES.length];
    const storeId = stores[customerNo % stores.length] ?? null;
    const at = now - Math.floor(random() * 25 * 86_400_000);
    const basket = new Set<string>();
    const want = 2 + Math.floor(random() * 5);
    while (basket.size < want) {
      const list = byCategory[favourites[random() < 0.7 ? 0 : 1]!]!;
      const p = random() < 0.85 ? skewed(list) : skewed(products);
      basket.add(p.sku);
      if (random() < 0.5 && basket.size < want) basket.add(partner(indexOf.get(p.sku)!).sku);
    }
    const ref = `bench-basket-${++basketNo}`;
    const skus = [...basket];
    for (const sku of skus) {
      interactions.push({ customerNo, sku, kind: 'VIEW', storeId, source: 'web', sourceRef: ref, at: at - 60_000 });
      if (random() < 0.6)
        interactions.push({
          customerNo,
          sku,
          kind: 'CART_ADD',
          storeId,
          source: 'cart',
          sourceRef: ref,
          at: at - 30_000,
        });
      interactions.push({ customerNo, sku, kind: 'PURCHASE', storeId, source: 'pos', sourceRef: ref, at });
      bought[customerNo]!.add(sku);
    }
    if (skus.length > 1) for (const sku of skus) pairsSeen.add(sku);
    // a look at a product not bought, now and then
    if (random() < 0.5) {
      const sku = skewed(products).sku;
      interactions.push({ customerNo, sku, kind: 'VIEW', storeId, source: 'web', sourceRef: `${ref}-look`, at });
    }
  }
  return { products, interactions, bought, coPurchased: [...pairsSeen].sort() };
}
