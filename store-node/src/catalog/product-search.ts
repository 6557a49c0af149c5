import { isValidGtin, toGtin14, type CatalogProduct } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** A product as the store's pages see it: the catalog's fields and this store's on-hand count (0 if never stocked). */
export type StoreProduct = Omit<CatalogProduct, 'updatedAt' | 'version'> & { readonly onHand: number };

const COLUMNS = `p.sku, p.gtin, p.name, p.brand, p.size, p.category, p.price_minor AS priceMinor, p.currency, p.tax_class AS taxClass,
  coalesce(s.on_hand, 0) AS onHand FROM catalog_products p LEFT JOIN stock s ON s.sku = p.sku`;

/** Searches the store's copy of the catalog with this store's stock (works offline). All its SQL is here. */
export class ProductSearch {
  readonly #find;
  readonly #one;

  constructor(db: SqliteDb) {
    this.#find = db.prepare(
      `SELECT ${COLUMNS}
       WHERE (@q IS NULL OR p.name LIKE '%' || @q || '%' ESCAPE '\\' OR p.brand LIKE '%' || @q || '%' ESCAPE '\\' OR p.sku = @exact OR p.gtin = @gtin)
         AND (@category IS NULL OR p.category = @category)
       ORDER BY p.name LIMIT @limit`,
    );
    this.#one = db.prepare(`SELECT ${COLUMNS} WHERE p.sku = ?`);
  }

  /** By name or brand (a part of it), exact sku, or a scanned barcode (any GTIN length); then by category. */
  search(text: string | null, category: string | null, limit: number): StoreProduct[] {
    return this.#find.all({
      q: text?.replace(/[%_\\]/g, '\\$&') ?? null,
      exact: text,
      gtin: text && isValidGtin(text) ? toGtin14(text) : null,
      category,
      limit,
    }) as StoreProduct[];
  }

  get(sku: string): StoreProduct | undefined {
    return this.#one.get(sku) as StoreProduct | undefined;
  }
}
