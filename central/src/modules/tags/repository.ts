import type { Queryable } from '../../db/db.js';
import type { ProductTags, TagChange } from './types.js';

/** The channel hub replicas hear tag writes on (NOTIFY at commit; payload: the version written). */
export const TAGS_CHANNEL = 'tags_changed';

interface ProductRow {
  product_no: number;
  sku: string;
  tag_ids: number[];
  version: number;
  updated_at: number;
}
const toProductTags = (r: ProductRow): ProductTags => ({
  productNo: r.product_no,
  sku: r.sku,
  tagIds: r.tag_ids,
  version: Number(r.version),
  updatedAt: Number(r.updated_at),
});

/**
 * All of the tags module's SQL for tags and product tags (bulk jobs: bulk-repository.ts; analytics:
 * analytics-repository.ts). Postgres and PGlite run the same text.
 */
export class TagsRepository {
  constructor(readonly db: Queryable) {}

  /** Serialises tag writers until commit, so versions become visible in the order they were taken. */
  async lockForWrite(): Promise<void> {
    await this.db.query("SELECT pg_advisory_xact_lock(hashtext('tags_version'))");
  }

  /** The next version, for one writing transaction (call after `lockForWrite`). */
  async takeVersion(): Promise<number> {
    return Number((await this.db.query<{ v: string }>("SELECT nextval('tags_version')::text AS v")).rows[0]!.v);
  }

  /** The newest version written (0 when none). */
  async version(): Promise<number> {
    const { rows } = await this.db.query<{ v: string | null }>(
      `SELECT greatest((SELECT max(version) FROM tags), (SELECT max(version) FROM tag_products))::text AS v`,
    );
    return Number(rows[0]!.v ?? 0);
  }

  /** Tells every hub replica (at commit) that tags changed up to `version`. */
  async notify(version: number): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [TAGS_CHANNEL, String(version)]);
  }

  /**
   * The product numbers of `skus`, giving a number to each sku never tagged before (its row starts untagged at
   * `version`). Call inside the writing transaction, after `lockForWrite`.
   */
  async numberSkus(skus: readonly string[], version: number, now: number): Promise<Map<string, number>> {
    if (skus.length === 0) return new Map();
    await this.db.query(
      `INSERT INTO tag_products (sku, tag_ids, version, updated_at)
       SELECT s, '{}', $2, $3 FROM unnest($1::text[]) AS s ON CONFLICT (sku) DO NOTHING`,
      [skus, version, now],
    );
    const { rows } = await this.db.query<{ sku: string; product_no: number }>(
      'SELECT sku, product_no FROM tag_products WHERE sku = ANY($1::text[])',
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, r.product_no]));
  }

  /** The skus of product numbers (for result pages), in the order asked; a number with no row is left out. */
  async skusOf(productNos: readonly number[]): Promise<string[]> {
    if (productNos.length === 0) return [];
    const { rows } = await this.db.query<{ product_no: number; sku: string }>(
      'SELECT product_no, sku FROM tag_products WHERE product_no = ANY($1::int[])',
      [productNos],
    );
    const bySku = new Map(rows.map((r) => [r.product_no, r.sku]));
    return productNos.flatMap((n) => (bySku.has(n) ? [bySku.get(n)!] : []));
  }

  /**
   * Changes the tags of products `productNos` as `change` says, at `version`, and returns each product whose tags
   * changed with its tags before and after. Products already as asked are left alone (no new version). A product
   * that would carry more than `maxTags` tags is left alone and returned in `tooMany`. Call inside the writing
   * transaction, after `lockForWrite`.
   */
  async writeProductTags(
    productNos: readonly number[],
    change: TagChange,
    version: number,
    now: number,
    maxTags: number,
  ): Promise<{ changed: (ProductTags & { readonly before: readonly number[] })[]; tooMany: string[] }> {
    if (productNos.length === 0) return { changed: [], tooMany: [] };
    const tagIds = [...new Set(change.tagIds)].sort((a, b) => a - b);
    const { rows } = await this.db.query<ProductRow & { before: number[]; too_many: boolean }>(
      `WITH old AS (
         SELECT product_no, tag_ids FROM tag_products WHERE product_no = ANY($1::int[]) ORDER BY product_no FOR UPDATE),
       want AS (
         SELECT o.product_no, o.tag_ids AS before,
                COALESCE((SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(
                  CASE $3::text WHEN 'ADD' THEN o.tag_ids || $2::int[]
                                WHEN 'REMOVE' THEN (SELECT COALESCE(array_agg(y), '{}') FROM unnest(o.tag_ids) y
                                                    WHERE y <> ALL ($2::int[]))
                                ELSE $2::int[] END) AS x), '{}'::int[]) AS after
         FROM old o),
       upd AS (
         UPDATE tag_products p SET tag_ids = w.after, version = $4, updated_at = $5
         FROM want w
         WHERE p.product_no = w.product_no AND w.after IS DISTINCT FROM w.before AND cardinality(w.after) <= $6
         RETURNING p.product_no, p.sku, p.tag_ids, p.version, p.updated_at, w.before, false AS too_many)
       SELECT * FROM upd
       UNION ALL
       SELECT p.product_no, p.sku, w.after, p.version, p.updated_at, w.before, true
       FROM want w JOIN tag_products p ON p.product_no = w.product_no
       WHERE w.after IS DISTINCT FROM w.before AND cardinality(w.after) > $6`,
      [productNos, tagIds, change.action, version, now, maxTags],
    );
    return {
      changed: rows.filter((r) => !r.too_many).map((r) => ({ ...toProductTags(r), before: r.before })),
      tooMany: rows.filter((r) => r.too_many).map((r) => r.sku),
    };
  }

  /** Products changed after (`version`, `productNo`), oldest first: replicas catching up and stores pulling. */
  async productsChangedAfter(version: number, productNo: number, limit: number): Promise<ProductTags[]> {
    const { rows } = await this.db.query<ProductRow>(
      `SELECT product_no, sku, tag_ids, version, updated_at FROM tag_products
       WHERE (version, product_no) > ($1, $2) ORDER BY version, product_no LIMIT $3`,
      [version, productNo, limit],
    );
    return rows.map(toProductTags);
  }
}
