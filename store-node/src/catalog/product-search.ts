import { isValidGtin, toGtin14, type CatalogProduct } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import { ftsMatch, searchTerms } from './search-terms.js';
import { dailyPick } from './home-page-pick.js';

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
/**
 * The kiosk home page, top to bottom: head office's featured products in stock here (rank 1 of each category first),
 * this store's best sellers of the last 30 days (none until it has sold something), then the day's pick per category
 * (see home-page-pick.ts), the categories with the most in stock first. A product shows once, in the first of these.
 */
export interface HomePage {
  readonly featured: StoreProduct[];
  readonly bestSellers: StoreProduct[];
  readonly categories: { category: string; items: StoreProduct[] }[];
}

const FEATURED_SHOWN = 12;
const BEST_SELLERS_SHOWN = 6;

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
  readonly #bestSellers;
  readonly #inStock;

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
      `SELECT ${FIELDS} FROM ${FROM} WHERE p.featured_rank IS NOT NULL AND s.on_hand > 0
       ORDER BY p.featured_rank, p.category, p.name LIMIT @limit`,
    );
    this.#bestSellers = db.prepare(
      `WITH sold AS (
         SELECT l.sku, sum(l.qty) AS qty FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE s.status = 'COMPLETED' AND s.closed_at >= @since GROUP BY l.sku)
       SELECT ${FIELDS} FROM sold JOIN catalog_products p ON p.sku = sold.sku LEFT JOIN stock s ON s.sku = p.sku
       WHERE s.on_hand > 0 ORDER BY sold.qty DESC, p.name LIMIT @limit`,
    );
    this.#inStock = db.prepare(
      `SELECT p.sku, p.category, s.on_hand AS onHand, count(*) OVER (PARTITION BY p.category) AS inCategory
       FROM ${FROM} WHERE s.on_hand > 0 ORDER BY inCategory DESC, p.category, p.sku`,
    );
  }

  /**
   * The kiosk's home page (`HomePage`): featured, best sellers here, then the day's pick of at most `perCategory`
   * products in each of at most `categories` categories. `now` sets the sales window and the day of the pick.
   */
  home(perCategory: number, categories: number, now: number): HomePage {
    const featured = this.#featured.all({ limit: FEATURED_SHOWN }) as StoreProduct[];
    const shown = new Set(featured.map((p) => p.sku));
    const bestSellers = (
      this.#bestSellers.all({ since: now - 30 * 86_400_000, limit: BEST_SELLERS_SHOWN + shown.size }) as StoreProduct[]
    )
      .filter((p) => !shown.has(p.sku))
      .slice(0, BEST_SELLERS_SHOWN);
    for (const p of bestSellers) shown.add(p.sku);
    const rest = (this.#inStock.all() as { sku: string; category: string; onHand: number }[]).filter(
      (p) => !shown.has(p.sku),
    );
    const picked = [...dailyPick(rest, perCategory, Math.floor(now / 86_400_000))].slice(0, categories);
    return {
      featured,
      bestSellers,
      categories: picked.map(([category, items]) => ({ category, items: items.map((p) => this.get(p.sku)!) })),
    };
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
