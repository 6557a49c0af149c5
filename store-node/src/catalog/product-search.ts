import { isValidGtin, toGtin14, type CatalogProduct } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import { ftsMatch, searchTerms } from './search-terms.js';

/**
 * A product as the store's pages see it: the catalog's fields, this store's on-hand count (0 if never stocked) and
 * the count at or below which the store calls it low (0: never set).
 */
export type StoreProduct = Omit<CatalogProduct, 'updatedAt' | 'version'> & {
  readonly onHand: number;
  readonly lowStockAt: number;
};

const FIELDS = `p.sku, p.gtin, p.name, p.brand, p.size, p.category, p.price_minor AS priceMinor, p.currency,
  p.tax_class AS taxClass, coalesce(s.on_hand, 0) AS onHand, coalesce(s.low_stock_at, 0) AS lowStockAt`;
const FROM = 'catalog_products p LEFT JOIN stock s ON s.sku = p.sku';
const IN_CATEGORY = '(@category IS NULL OR p.category = @category)';
/** bm25 weights of the indexed columns: a word in the name counts most, then the brand, then the category. */
const WEIGHTS = '10.0, 4.0, 1.0';

/**
 * Searches the store's copy of the catalog with this store's stock (works offline). All its SQL is here.
 *
 * Order of a search's answer: an exact sku or a scanned barcode (any GTIN length) first; then the FTS5 index's matches
 * by relevance (bm25; shorter names first on a tie); only when nothing starts with the text, names and brands that
 * contain it inside a word ("berry" in Strawberry), alphabetically.
 */
export class ProductSearch {
  readonly #exact;
  readonly #ranked;
  readonly #inside;
  readonly #browse;
  readonly #one;
  readonly #featured;

  constructor(db: SqliteDb) {
    this.#exact = db.prepare(
      `SELECT ${FIELDS} FROM ${FROM} WHERE (p.sku = @exact OR p.gtin = @gtin) AND ${IN_CATEGORY} LIMIT @limit`,
    );
    this.#ranked = db.prepare(
      `SELECT ${FIELDS} FROM catalog_search f JOIN catalog_products p ON p.rowid = f.rowid LEFT JOIN stock s ON s.sku = p.sku
       WHERE catalog_search MATCH @match AND ${IN_CATEGORY}
       ORDER BY bm25(catalog_search, ${WEIGHTS}), length(p.name), p.name LIMIT @limit`,
    );
    this.#inside = db.prepare(
      `SELECT ${FIELDS} FROM ${FROM}
       WHERE (p.name LIKE '%' || @like || '%' ESCAPE '\\' OR p.brand LIKE '%' || @like || '%' ESCAPE '\\') AND ${IN_CATEGORY}
       ORDER BY p.name LIMIT @limit`,
    );
    this.#browse = db.prepare(`SELECT ${FIELDS} FROM ${FROM} WHERE ${IN_CATEGORY} ORDER BY p.name LIMIT @limit`);
    this.#one = db.prepare(`SELECT ${FIELDS} FROM ${FROM} WHERE p.sku = ?`);
    this.#featured = db.prepare(
      `WITH sold AS (
         SELECT l.sku, sum(l.qty) AS qty FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE s.status = 'COMPLETED' AND s.closed_at >= @since GROUP BY l.sku),
       ranked AS (
         SELECT ${FIELDS}, row_number() OVER (
             PARTITION BY p.category ORDER BY coalesce(sold.qty, 0) DESC, s.on_hand DESC, p.name) AS place,
           count(*) OVER (PARTITION BY p.category) AS inStock
         FROM ${FROM} LEFT JOIN sold ON sold.sku = p.sku
         WHERE s.on_hand > 0)
       SELECT * FROM ranked WHERE place <= @perCategory ORDER BY inStock DESC, category, place`,
    );
  }

  /**
   * The kiosk's home page: products in stock here, by category — in each, this store's best sellers of the last 30
   * days first, then what it has most of — and the categories with the most in stock first (at most `categories`).
   */
  featured(perCategory: number, categories: number, now: number): { category: string; items: StoreProduct[] }[] {
    const rows = this.#featured.all({ perCategory, since: now - 30 * 86_400_000 }) as (StoreProduct & {
      place: number;
      inStock: number;
    })[];
    const groups = new Map<string, StoreProduct[]>();
    for (const { place: _p, inStock: _n, ...p } of rows) {
      if (!groups.has(p.category) && groups.size >= categories) continue;
      groups.set(p.category, [...(groups.get(p.category) ?? []), p]);
    }
    return [...groups].map(([category, items]) => ({ category, items }));
  }

  /** By words of the name, brand or category (ranked), exact sku, or a scanned barcode; within a category if given. */
  search(text: string | null, category: string | null, limit: number): StoreProduct[] {
    const q = text?.trim() ?? '';
    if (!q) return this.#browse.all({ category, limit }) as StoreProduct[];
    const found = new Map<string, StoreProduct>();
    const take = (rows: unknown[]) => {
      for (const p of rows as StoreProduct[]) if (found.size < limit && !found.has(p.sku)) found.set(p.sku, p);
    };
    take(this.#exact.all({ exact: q, gtin: isValidGtin(q) ? toGtin14(q) : null, category, limit }));
    const terms = searchTerms(q);
    const match = ftsMatch(terms);
    if (match && found.size < limit) take(this.#ranked.all({ match, category, limit }));
    // Only when no word starts so ("berry" finds Strawberry), and only a single word of three letters or more: a
    // shorter one matches too much, and a scan of every name is what the index is there to avoid.
    if (found.size === 0 && terms.length === 1 && terms[0]!.length >= 3)
      take(this.#inside.all({ like: terms[0]!.replace(/[%_\\]/g, '\\$&'), category, limit: limit + found.size }));
    return [...found.values()];
  }

  get(sku: string): StoreProduct | undefined {
    return this.#one.get(sku) as StoreProduct | undefined;
  }
}
