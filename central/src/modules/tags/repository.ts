import type { Queryable } from '../../db/db.js';
import { readPostings } from './index/scan-postings.js';
import type { ProductTags, Tag, TagChange, TagKind } from './types.js';

/** The channel hub replicas hear tag writes on (NOTIFY at commit; payload: the version written). */
export const TAGS_CHANNEL = 'tags_changed';

interface ProductRow {
  product_no: number;
  sku: string;
  tag_ids: number[];
  version: number;
  updated_at: number;
}
interface TagRowDb {
  id: number;
  slug: string;
  name: string;
  kind: TagKind;
  parent_id: number | null;
  path: string;
  depth: number;
  deleted: boolean;
  created_at: number;
  updated_at: number;
  version: number;
}
export const TAG_COLUMNS = 'id, slug, name, kind, parent_id, path, depth, deleted, created_at, updated_at, version';
export const toTag = (r: TagRowDb): Tag => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  kind: r.kind,
  parentId: r.parent_id,
  path: r.path,
  depth: Number(r.depth),
  deleted: r.deleted,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  version: Number(r.version),
});
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
         UPDATE tag_products p SET tag_ids = w.after, version = $4, updated_at = $5, ever_tagged = true
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

  /**
   * Products ever tagged changed after (`version`, `productNo`), oldest first: stores pulling (a product the catalog
   * numbering gave a row but never tagged is nothing a store holds).
   */
  async productsChangedAfter(version: number, productNo: number, limit: number): Promise<ProductTags[]> {
    const { rows } = await this.db.query<ProductRow>(
      `SELECT product_no, sku, tag_ids, version, updated_at FROM tag_products
       WHERE ever_tagged AND (version, product_no) > ($1, $2) ORDER BY version, product_no LIMIT $3`,
      [version, productNo, limit],
    );
    return rows.map(toProductTags);
  }

  /** The live tags, ordered by path. */
  async liveTags(): Promise<Tag[]> {
    const { rows } = await this.db.query<TagRowDb>(`SELECT ${TAG_COLUMNS} FROM tags WHERE NOT deleted ORDER BY path`);
    return rows.map(toTag);
  }

  /** One tag by id (tombstones too; the caller decides). */
  async tag(id: number): Promise<Tag | undefined> {
    const { rows } = await this.db.query<TagRowDb>(`SELECT ${TAG_COLUMNS} FROM tags WHERE id = $1`, [id]);
    return rows[0] ? toTag(rows[0]) : undefined;
  }

  /** The live tags among `ids`. */
  async liveTagsById(ids: readonly number[]): Promise<Tag[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<TagRowDb>(
      `SELECT ${TAG_COLUMNS} FROM tags WHERE id = ANY($1::int[]) AND NOT deleted ORDER BY path`,
      [ids],
    );
    return rows.map(toTag);
  }

  /** The live tag with this slug, if any. */
  async liveTagBySlug(slug: string): Promise<Tag | undefined> {
    const { rows } = await this.db.query<TagRowDb>(`SELECT ${TAG_COLUMNS} FROM tags WHERE slug = $1 AND NOT deleted`, [
      slug,
    ]);
    return rows[0] ? toTag(rows[0]) : undefined;
  }

  /** Tags (tombstones too) changed after `after` up to `upTo`, oldest first. */
  async tagsChangedBetween(after: number, upTo: number): Promise<Tag[]> {
    const { rows } = await this.db.query<TagRowDb>(
      `SELECT ${TAG_COLUMNS} FROM tags WHERE version > $1 AND version <= $2 ORDER BY version, id`,
      [after, upTo],
    );
    return rows.map(toTag);
  }

  /** Products changed after (`version`, `productNo`) up to version `upTo`, oldest first (the index's catch-up). */
  async productsChangedBetween(
    version: number,
    productNo: number,
    upTo: number,
    limit: number,
  ): Promise<{ productNo: number; tagIds: number[]; version: number }[]> {
    const { rows } = await this.db.query<{ product_no: number; tag_ids: number[]; version: number }>(
      `SELECT product_no, tag_ids, version FROM tag_products
       WHERE (version, product_no) > ($1, $2) AND version <= $3 ORDER BY version, product_no LIMIT $4`,
      [version, productNo, upTo, limit],
    );
    return rows.map((r) => ({ productNo: r.product_no, tagIds: r.tag_ids, version: Number(r.version) }));
  }

  /** How many product rows there are (a rebuild's expected total). */
  async productCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*)::text AS n FROM tag_products');
    return Number(rows[0]!.n);
  }

  /** The lowest and highest product numbers (a rebuild's scan covers them in ranges); null when there is none. */
  async productNoBounds(): Promise<{ min: number; max: number } | null> {
    const { rows } = await this.db.query<{ lo: number | null; hi: number | null }>(
      'SELECT min(product_no) AS lo, max(product_no) AS hi FROM tag_products',
    );
    const r = rows[0];
    return r && r.lo !== null && r.hi !== null ? { min: Number(r.lo), max: Number(r.hi) } : null;
  }

  /**
   * A rebuild's scan of the product numbers `from`..`to` (inclusive): every product number in the range
   * (`tagId` null), then for each tag given in it, the products given it (any order). Postgres sends the range as
   * texts of a thousand products each, `12{3,7}13{}14{7}…`, that this method reads into typed arrays: node-postgres
   * parsing one int[] per product was most of a rebuild's time, grouping per tag in SQL (unnest … GROUP BY) cost
   * Postgres three times as much as writing the text, and one text per range arrived slower than a few hundred.
   */
  async tagPostingsInRange(from: number, to: number): Promise<{ tagId: number | null; productNos: Uint32Array }[]> {
    const { rows } = await this.db.query<{ scan: string }>(
      `SELECT string_agg(product_no::text || tag_ids::text, '') AS scan
       FROM tag_products WHERE product_no BETWEEN $1 AND $2 GROUP BY product_no / 1000`,
      [from, to],
    );
    return readPostings(rows.map((r) => r.scan));
  }

  /**
   * The names of the live tags given to each of `skus` (not their ancestors), for skus that have any: what the port
   * PRODUCT_TAGS answers (recommendations' content similarity). At most 1,000 skus a call.
   */
  async tagNamesOf(skus: readonly string[]): Promise<Map<string, string[]>> {
    if (skus.length > 1_000) throw new RangeError(`at most 1,000 skus a call, not ${skus.length}`);
    if (skus.length === 0) return new Map();
    const { rows } = await this.db.query<{ sku: string; names: string[] }>(
      `SELECT p.sku, array_agg(t.name ORDER BY t.name) AS names
       FROM tag_products p JOIN tags t ON t.id = ANY(p.tag_ids) AND NOT t.deleted
       WHERE p.sku = ANY($1::text[]) GROUP BY p.sku`,
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, r.names]));
  }

  /** A product's row by sku. */
  async productBySku(sku: string): Promise<ProductTags | undefined> {
    const { rows } = await this.db.query<ProductRow>(
      'SELECT product_no, sku, tag_ids, version, updated_at FROM tag_products WHERE sku = $1',
      [sku],
    );
    return rows[0] ? toProductTags(rows[0]) : undefined;
  }

  /** Inserts a live tag at `version`. */
  async insertTag(
    t: { slug: string; name: string; kind: TagKind; parentId: number | null; path: string; depth: number },
    version: number,
    now: number,
  ): Promise<Tag> {
    const { rows } = await this.db.query<TagRowDb>(
      `INSERT INTO tags (slug, name, kind, parent_id, path, depth, created_at, updated_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING ${TAG_COLUMNS}`,
      [t.slug, t.name, t.kind, t.parentId, t.path, t.depth, now, version],
    );
    return toTag(rows[0]!);
  }

  /** Sets a tag's own fields (slug, name, kind, parent) at `version`. */
  async updateTag(
    id: number,
    t: { slug: string; name: string; kind: TagKind; parentId: number | null },
    version: number,
    now: number,
  ): Promise<void> {
    await this.db.query(
      'UPDATE tags SET slug = $2, name = $3, kind = $4, parent_id = $5, updated_at = $6, version = $7 WHERE id = $1',
      [id, t.slug, t.name, t.kind, t.parentId, now, version],
    );
  }

  /**
   * Rewrites the paths and depths of the live subtree at `oldPath` (the tag and its descendants) to sit at `newPath`,
   * in one statement, at `version`.
   */
  async rewriteSubtree(oldPath: string, newPath: string, version: number, now: number): Promise<void> {
    const shift = newPath.split('.').length - oldPath.split('.').length;
    await this.db.query(
      `UPDATE tags SET path = $2 || substr(path, length($1) + 1), depth = depth + $3, updated_at = $4, version = $5
       WHERE NOT deleted AND (path = $1 OR path LIKE $6 || '.%')`,
      [oldPath, newPath, shift, now, version, oldPath.replace(/[\\%_]/g, (c) => `\\${c}`)],
    );
  }

  /** The deepest depth in the live subtree at `path`, relative to it (0: a leaf). */
  async subtreeHeight(path: string): Promise<number> {
    const { rows } = await this.db.query<{ h: number | null }>(
      `SELECT max(cardinality(string_to_array(path, '.'))) - $2::int AS h FROM tags
       WHERE NOT deleted AND (path = $1 OR path LIKE $3 || '.%')`,
      [path, path.split('.').length, path.replace(/[\\%_]/g, (c) => `\\${c}`)],
    );
    return Number(rows[0]!.h ?? 0);
  }

  /** Live children and products carrying the tag (a delete's refusal says how many). */
  async usage(id: number): Promise<{ children: number; products: number }> {
    const { rows } = await this.db.query<{ c: string; p: string }>(
      `SELECT (SELECT count(*) FROM tags WHERE parent_id = $1 AND NOT deleted)::text AS c,
              (SELECT count(*) FROM tag_products WHERE tag_ids @> ARRAY[$1::int])::text AS p`,
      [id],
    );
    return { children: Number(rows[0]!.c), products: Number(rows[0]!.p) };
  }

  /** Makes the tag a tombstone at `version`. */
  async tombstone(id: number, version: number, now: number): Promise<void> {
    await this.db.query('UPDATE tags SET deleted = true, updated_at = $2, version = $3 WHERE id = $1', [
      id,
      now,
      version,
    ]);
  }

  /** The tags among `tagIds` that are not live (deleted or never were), each once. */
  async missingTags(tagIds: readonly number[]): Promise<number[]> {
    const ids = [...new Set(tagIds)];
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: number }>(
      'SELECT id FROM tags WHERE id = ANY($1::int[]) AND NOT deleted',
      [ids],
    );
    const live = new Set(rows.map((r) => r.id));
    return ids.filter((i) => !live.has(i));
  }

  /** The product numbers of the skus among `skus` that were ever tagged (skus never tagged are left out). */
  async productNumbers(skus: readonly string[]): Promise<Map<string, number>> {
    if (skus.length === 0) return new Map();
    const { rows } = await this.db.query<{ sku: string; product_no: number }>(
      'SELECT sku, product_no FROM tag_products WHERE sku = ANY($1::text[])',
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, r.product_no]));
  }

  /** The catalog numbering's row (schema/004): the catalog version numbered up to, and how many it has numbered. */
  async catalogNumbering(): Promise<{ catalogVersion: number; numbered: number }> {
    const { rows } = await this.db.query<{ v: string; n: string }>(
      'SELECT catalog_version::text AS v, numbered::text AS n FROM tag_catalog_numbering WHERE id = 1',
    );
    return { catalogVersion: Number(rows[0]?.v ?? 0), numbered: Number(rows[0]?.n ?? 0) };
  }

  async advanceCatalogNumbering(catalogVersion: number, numbered: number, now: number): Promise<void> {
    await this.db.query(
      'UPDATE tag_catalog_numbering SET catalog_version = $1, numbered = numbered + $2, updated_at = $3 WHERE id = 1',
      [catalogVersion, numbered, now],
    );
  }
}
