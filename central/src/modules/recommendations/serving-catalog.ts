import type { CatalogProducts } from '../../kernel/ports/catalog.js';
import type { ProductFacts } from './hybrid.js';

/** How long a product's facts (name, category, price) are trusted before the catalog is asked again. */
export const CATALOG_FACTS_TTL_MS = 30_000;
/** Products remembered at most; past it the memory starts over (a forgotten product is only read again). */
const MAX_REMEMBERED = 50_000;
/** Skus asked of the catalog in one call at most. */
const CATALOG_CHUNK = 1_000;

/**
 * The catalog facts serving needs, remembered briefly: a list names up to a few hundred products and most of them
 * were named by the request before, so a request asks the catalog only for those it has not seen lately (one call).
 * A product the catalog does not hold is remembered as missing for the same time (it is not served).
 */
export class CatalogFacts {
  readonly #known = new Map<string, { facts: ProductFacts | null; until: number }>();

  constructor(
    readonly catalog: () => CatalogProducts,
    readonly ttlMs = CATALOG_FACTS_TTL_MS,
  ) {}

  /** The facts of those of `skus` the catalog holds. */
  async many(skus: Iterable<string>): Promise<Map<string, ProductFacts>> {
    const out = new Map<string, ProductFacts>();
    const missing: string[] = [];
    const now = performance.now();
    for (const sku of new Set(skus)) {
      const known = this.#known.get(sku);
      if (known && known.until > now) {
        if (known.facts) out.set(sku, known.facts);
      } else missing.push(sku);
    }
    for (let i = 0; i < missing.length; i += CATALOG_CHUNK) {
      const chunk = missing.slice(i, i + CATALOG_CHUNK);
      const found = await this.catalog().many(chunk);
      if (this.#known.size + chunk.length > MAX_REMEMBERED) this.#known.clear();
      const until = performance.now() + this.ttlMs;
      for (const sku of chunk) {
        const p = found.get(sku);
        const facts: ProductFacts | null = p
          ? {
              sku: p.sku,
              name: p.name,
              size: p.size,
              category: p.category,
              priceMinor: Number(p.priceMinor),
              currency: p.currency,
            }
          : null;
        this.#known.set(sku, { facts, until });
        if (facts) out.set(sku, facts);
      }
    }
    return out;
  }
}
