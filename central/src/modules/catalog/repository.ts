import type { Queryable } from '../../db/db.js';
import { isValidGtin, toGtin14, type TaxClass } from '@storefleet/shared';
import type { Product, ProductInput, ProductQuery } from './types.js';

/** The GTIN-14 a typed barcode stands for, or null when the text is not one. */
const gtin14 = (q: string | undefined) => (q && /^\d{8,14}$/.test(q) && isValidGtin(q) ? toGtin14(q) : null);

interface ProductRow {
  sku: string;
  gtin: string | null;
  name: string;
  brand: string | null;
  size: string | null;
  category: string;
  price_minor: number;
  currency: string;
  tax_class: TaxClass;
  featured_rank: number | null;
  updated_at: number;
  version: string | number;
}

const toProduct = (r: ProductRow): Product => ({
  sku: r.sku,
  gtin: r.gtin,
  name: r.name,
  brand: r.brand,
  size: r.size,
  category: r.category,
  priceMinor: r.price_minor,
  currency: r.currency,
  taxClass: r.tax_class,
  featuredRank: r.featured_rank,
  updatedAt: r.updated_at,
  version: Number(r.version),
});

export class CatalogRepository {
  constructor(readonly db: Queryable) {}

  /** Upserts many products in one statement (unnest), so a 2,000-sku import is one round trip. */
  async upsert(items: readonly ProductInput[], now: number): Promise<number> {
    if (items.length === 0) return 0;
    const col = <K extends keyof ProductInput>(k: K) => items.map((p) => p[k]);
    const res = await this.db.query(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class,
                                     featured_rank, updated_at)
       SELECT *, $11::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                         $7::bigint[], $8::text[], $9::text[], $10::int[])
       ON CONFLICT (sku) DO UPDATE SET gtin = EXCLUDED.gtin, name = EXCLUDED.name, brand = EXCLUDED.brand,
         size = EXCLUDED.size, category = EXCLUDED.category, price_minor = EXCLUDED.price_minor,
         currency = EXCLUDED.currency, tax_class = EXCLUDED.tax_class, featured_rank = EXCLUDED.featured_rank,
         updated_at = EXCLUDED.updated_at, version = nextval('catalog_version')`,
      [
        col('sku'),
        col('gtin'),
        col('name'),
        col('brand'),
        col('size'),
        col('category'),
        col('priceMinor'),
        col('currency'),
        col('taxClass'),
        items.map((p) => p.featuredRank ?? null),
        now,
      ],
    );
    return res.rowCount;
  }

  async get(sku: string): Promise<Product | undefined> {
    const { rows } = await this.db.query<ProductRow>('SELECT * FROM catalog_products WHERE sku = $1', [sku]);
    return rows[0] && toProduct(rows[0]);
  }

  /** The products with these skus, by sku (unknown skus are absent). */
  async many(skus: readonly string[]): Promise<Map<string, Product>> {
    const { rows } = await this.db.query<ProductRow>('SELECT * FROM catalog_products WHERE sku = ANY($1::text[])', [
      skus,
    ]);
    return new Map(rows.map((r) => [r.sku, toProduct(r)]));
  }

  /** The product whose GTIN-14 this is (the column holds them zero-padded). */
  async byGtin(gtin14: string): Promise<Product | undefined> {
    const { rows } = await this.db.query<ProductRow>('SELECT * FROM catalog_products WHERE gtin = $1', [gtin14]);
    return rows[0] && toProduct(rows[0]);
  }

  /**
   * The products of `categories` (null: every product) in sku order after `after`, at most `limit`, and how many the
   * categories hold in all (index catalog_products_category serves both).
   */
  async inCategories(
    categories: readonly string[] | null,
    page: { limit: number; after?: string | undefined },
  ): Promise<{ products: Product[]; total: number }> {
    if (categories?.length === 0) return { products: [], total: 0 };
    const where = '($1::text[] IS NULL OR category = ANY($1::text[]))';
    const { rows } = await this.db.query<ProductRow>(
      `SELECT * FROM catalog_products WHERE ${where} AND ($2::text IS NULL OR sku > $2) ORDER BY sku LIMIT $3`,
      [categories, page.after ?? null, Math.max(0, Math.trunc(page.limit))],
    );
    const count = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM catalog_products WHERE ${where}`, [
      categories,
    ]);
    return { products: rows.map(toProduct), total: Number(count.rows[0]?.n ?? 0) };
  }

  /** The catalog's currency (every product carries the same), or null for an empty catalog. */
  async currency(): Promise<string | null> {
    const { rows } = await this.db.query<{ currency: string }>('SELECT currency FROM catalog_products LIMIT 1');
    return rows[0]?.currency ?? null;
  }

  async skusWithGtins(gtins: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.db.query<{ gtin: string; sku: string }>(
      'SELECT gtin, sku FROM catalog_products WHERE gtin = ANY($1::text[])',
      [gtins],
    );
    return new Map(rows.map((r) => [r.gtin, r.sku]));
  }

  async list(q: ProductQuery): Promise<Product[]> {
    const { rows } = await this.db.query<ProductRow>(
      `SELECT * FROM catalog_products
       WHERE ($1::text IS NULL OR name ILIKE '%' || $1 || '%' OR brand ILIKE '%' || $1 || '%' OR gtin = $5 OR sku = $6)
         AND ($2::text IS NULL OR category = $2)
         AND ($3::text IS NULL OR sku > $3)
       ORDER BY sku LIMIT $4`,
      // a barcode as printed (EAN-13, UPC-A, EAN-8) finds the product its GTIN-14 names
      [q.q?.replace(/[%_\\]/g, '\\$&') ?? null, q.category ?? null, q.after ?? null, q.limit, gtin14(q.q), q.q ?? null],
    );
    return rows.map(toProduct);
  }

  async count(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM catalog_products')).rows[0]!.n;
  }

  /**
   * Products changed after catalog version `after`, oldest change first: a store's cold start (from 0) and its pulls
   * after a `catalog.changed` notice. A product changed while a store pages moves to a later page, never missed.
   */
  async changedAfter(after: number, limit: number): Promise<Product[]> {
    const { rows } = await this.db.query<ProductRow>(
      'SELECT * FROM catalog_products WHERE version > $1 ORDER BY version LIMIT $2',
      [after, limit],
    );
    return rows.map(toProduct);
  }

  /** Serialises catalog writers until commit, so versions become visible in the order they were taken. */
  async lockForWrite(): Promise<void> {
    await this.db.query("SELECT pg_advisory_xact_lock(hashtext('catalog_products'))");
  }

  async version(): Promise<number> {
    return Number(
      (await this.db.query<{ v: string | null }>('SELECT max(version)::text AS v FROM catalog_products')).rows[0]!.v ??
        0,
    );
  }

  async categories(): Promise<{ category: string; products: number }[]> {
    const { rows } = await this.db.query<{ category: string; products: number }>(
      'SELECT category, count(*)::int AS products FROM catalog_products GROUP BY category ORDER BY category',
    );
    return rows;
  }
}
