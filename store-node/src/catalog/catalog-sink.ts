import type { CatalogProduct } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** Writes catalog rows from the hub (bootstrap pages); newer rows win, so a replay never regresses a price. */
export function upsertCatalog(db: SqliteDb, rows: readonly unknown[]): void {
  const stmt = db.prepare(
    `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
     VALUES (@sku, @gtin, @name, @brand, @size, @category, @priceMinor, @currency, @taxClass, @updatedAt)
     ON CONFLICT (sku) DO UPDATE SET gtin = excluded.gtin, name = excluded.name, brand = excluded.brand, size = excluded.size,
       category = excluded.category, price_minor = excluded.price_minor, currency = excluded.currency,
       tax_class = excluded.tax_class, updated_at = excluded.updated_at
     WHERE excluded.updated_at >= catalog_products.updated_at`,
  );
  for (const p of rows as CatalogProduct[]) stmt.run(p);
}

export const catalogMigrations = new URL('./schema/', import.meta.url);
