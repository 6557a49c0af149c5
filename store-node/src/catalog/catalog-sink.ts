import { catalogRowSchema } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/**
 * Writes catalog rows from the hub (bootstrap pages and later pulls, both in version order) and moves the copy's
 * version to the newest applied. A row older than the one held is skipped, so a replay never regresses a price. Every
 * row is checked first (`catalogRowSchema`): a page with one bad row throws and writes nothing (the caller's
 * transaction rolls back; the pull is retried).
 */
export function upsertCatalog(db: SqliteDb, rows: readonly unknown[]): void {
  const stmt = db.prepare(
    `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, featured_rank,
       updated_at, version)
     VALUES (@sku, @gtin, @name, @brand, @size, @category, @priceMinor, @currency, @taxClass, @featuredRank, @updatedAt,
       @version)
     ON CONFLICT (sku) DO UPDATE SET gtin = excluded.gtin, name = excluded.name, brand = excluded.brand, size = excluded.size,
       category = excluded.category, price_minor = excluded.price_minor, currency = excluded.currency,
       tax_class = excluded.tax_class, featured_rank = excluded.featured_rank, updated_at = excluded.updated_at,
       version = excluded.version
     WHERE excluded.version > catalog_products.version`,
  );
  const checked = rows.map((r) => catalogRowSchema.parse(r));
  let newest = 0;
  for (const p of checked) {
    stmt.run(p);
    newest = Math.max(newest, p.version);
  }
  db.prepare('UPDATE catalog_sync SET version = MAX(version, ?) WHERE id = 1').run(newest);
}

export const catalogMigrations = new URL('./schema/', import.meta.url);
