/**
 * The kiosk home page's "more in store" pick: a few in-stock products per category that changes every day and favours
 * what the store has plenty of, instead of the first names of the alphabet (a new store has no sales and full
 * shelves, so "most in stock, then by name" showed A→G).
 *
 * Weighted sampling without replacement (Efraimidis–Spirakis): each product draws u in (0, 1) from a hash of its sku
 * and the day, its key is u^(1/weight) with weight = on hand + 1, and the largest keys win. The same day gives the same
 * page (a customer who comes back sees what they saw); the next day another.
 */
export interface Pickable {
  readonly sku: string;
  readonly category: string;
  readonly onHand: number;
}

/** A number in (0, 1) from the sku and the day (FNV-1a, 32 bits): stable, spread, no state. */
export function dailyDraw(sku: string, day: number): number {
  let h = 0x811c9dc5 ^ day;
  for (let i = 0; i < sku.length; i++) h = Math.imul(h ^ sku.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return ((h >>> 0) + 1) / 4_294_967_297;
}

/** At most `perCategory` of `products` per category, in the day's weighted order; categories keep their input order. */
export function dailyPick<P extends Pickable>(
  products: readonly P[],
  perCategory: number,
  day: number,
): Map<string, P[]> {
  const keyed = products.map((p) => ({ p, key: Math.log(dailyDraw(p.sku, day)) / (Math.max(0, p.onHand) + 1) }));
  keyed.sort((a, b) => b.key - a.key); // log u / w is log of u^(1/w): the same order, no underflow
  const out = new Map<string, P[]>();
  for (const p of products) if (!out.has(p.category)) out.set(p.category, []);
  for (const { p } of keyed) {
    const list = out.get(p.category)!;
    if (list.length < perCategory) list.push(p);
  }
  return out;
}
