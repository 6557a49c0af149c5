import { tagsPullRowSchema, type TagKind, type TagsPullRow } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** A live tag of the store's copy. */
export interface StoreTag {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly kind: TagKind;
  readonly parentId: number | null;
  readonly path: string;
  readonly depth: number;
}

/** Where the copy stands (tags_sync). */
export interface TagsSyncState {
  readonly version: number;
  readonly wanted: number;
  readonly cursor: string | null;
  readonly seen: number;
  readonly pulled: boolean;
}

interface TagDbRow {
  id: number;
  slug: string;
  name: string;
  kind: TagKind;
  parent_id: number | null;
  path: string;
}
const toTag = (r: TagDbRow): StoreTag => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  kind: r.kind,
  parentId: r.parent_id,
  path: r.path,
  depth: r.path.split('.').length,
});

/** Rows of a tag's subtree (the tag itself and every live tag below it), for `SELECT … FROM tags d WHERE <this>`. */
const SUBTREE = `d.deleted = 0 AND (d.path = ? OR substr(d.path, 1, length(?) + 1) = ? || '.')`;

/** All of the store's SQL for its tags copy. */
export class StoreTagsRepository {
  constructor(readonly db: SqliteDb) {}

  state(): TagsSyncState {
    const r = this.db.prepare('SELECT version, wanted, cursor, seen, pulled FROM tags_sync WHERE id = 1').get() as {
      version: number;
      wanted: number;
      cursor: string | null;
      seen: number;
      pulled: number;
    };
    return { ...r, pulled: r.pulled === 1 };
  }

  /** A notice named `version` (in the feed's transaction). */
  want(version: number, now: number): void {
    this.db
      .prepare('UPDATE tags_sync SET wanted = MAX(wanted, ?), updated_at = ? WHERE id = 1 AND wanted < ?')
      .run(version, now, version);
  }

  /**
   * Applies one page of the hub's section, checked whole first (`tagsPullRowSchema`: one bad row throws and nothing is
   * written), and records the hub's position: `next` (null on the last page, which completes the pull: every row up
   * to the newest version seen is then applied). Call inside the page's transaction.
   */
  applyPage(rows: readonly unknown[], next: string | null, now: number): void {
    const checked: TagsPullRow[] = rows.map((row, i) => {
      const r = tagsPullRowSchema.safeParse(row);
      if (!r.success) {
        const issue = r.error.issues[0];
        throw new Error(
          `row ${i} of the tags page is not a tag or product row (${issue?.path.join('.')}: ${issue?.message})`,
        );
      }
      return r.data;
    });
    const tag = this.db.prepare(
      `INSERT INTO tags (id, slug, name, kind, parent_id, path, deleted, version, updated_at)
       VALUES (@id, @slug, @name, @tagKind, @parentId, @path, @deleted, @version, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name, kind = excluded.kind,
         parent_id = excluded.parent_id, path = excluded.path, deleted = excluded.deleted, version = excluded.version,
         updated_at = excluded.updated_at
       WHERE excluded.version >= tags.version`,
    );
    const productVersion = this.db.prepare(
      `INSERT INTO product_tag_versions (sku, version) VALUES (?, ?)
       ON CONFLICT (sku) DO UPDATE SET version = excluded.version WHERE excluded.version >= product_tag_versions.version`,
    );
    const clear = this.db.prepare('DELETE FROM product_tags WHERE sku = ?');
    const give = this.db.prepare('INSERT OR IGNORE INTO product_tags (sku, tag_id) VALUES (?, ?)');
    let seen = 0;
    for (const r of checked) {
      seen = Math.max(seen, r.version);
      if (r.kind === 'tag') {
        const applied = tag.run({ ...r, deleted: r.deleted ? 1 : 0 }).changes > 0;
        if (applied && r.deleted) this.db.prepare('DELETE FROM product_tags WHERE tag_id = ?').run(r.id);
      } else if (productVersion.run(r.sku, r.version).changes > 0) {
        clear.run(r.sku);
        for (const t of r.tagIds) give.run(r.sku, t);
      }
    }
    if (next === null) {
      this.db
        .prepare(
          `UPDATE tags_sync SET version = MAX(version, seen, ?), cursor = NULL, seen = 0, pulled = 1, updated_at = ?
           WHERE id = 1`,
        )
        .run(seen, now);
    } else {
      this.db
        .prepare('UPDATE tags_sync SET cursor = ?, seen = MAX(seen, ?), updated_at = ? WHERE id = 1')
        .run(next, seen, now);
    }
  }

  /** Live tags, by path (a parent before its children). */
  tags(): StoreTag[] {
    return (
      this.db
        .prepare('SELECT id, slug, name, kind, parent_id, path FROM tags WHERE deleted = 0 ORDER BY path')
        .all() as TagDbRow[]
    ).map(toTag);
  }

  tag(id: number): StoreTag | undefined {
    const r = this.db
      .prepare('SELECT id, slug, name, kind, parent_id, path FROM tags WHERE id = ? AND deleted = 0')
      .get(id) as TagDbRow | undefined;
    return r && toTag(r);
  }

  /** Per live tag: products of this store's catalog tagged with it or a descendant. */
  productCounts(): Map<number, number> {
    const rows = this.db
      .prepare(
        `SELECT t.id, count(DISTINCT pt.sku) AS n
         FROM tags t
         JOIN tags d ON ${SUBTREE.replaceAll('?', 't.path')}
         JOIN product_tags pt ON pt.tag_id = d.id
         JOIN catalog_products c ON c.sku = pt.sku
         WHERE t.deleted = 0
         GROUP BY t.id`,
      )
      .all() as { id: number; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  /** The products of this store's catalog tagged with a live tag of `path`'s subtree. */
  skusUnder(path: string): Set<string> {
    const skus = this.db
      .prepare(
        `SELECT DISTINCT pt.sku FROM tags d JOIN product_tags pt ON pt.tag_id = d.id
         JOIN catalog_products c ON c.sku = pt.sku WHERE ${SUBTREE}`,
      )
      .pluck()
      .all(path, path, path) as string[];
    return new Set(skus);
  }

  /** The path of the live tag with this slug. */
  pathOfSlug(slug: string): string | undefined {
    return this.db.prepare('SELECT path FROM tags WHERE slug = ? AND deleted = 0 LIMIT 1').pluck().get(slug) as
      | string
      | undefined;
  }

  /** Every product of this store's catalog. */
  allSkus(): Set<string> {
    return new Set(this.db.prepare('SELECT sku FROM catalog_products').pluck().all() as string[]);
  }

  /** Live children of a tag (or the roots), by name. */
  children(parentId: number | null): StoreTag[] {
    return (
      this.db
        .prepare(
          `SELECT id, slug, name, kind, parent_id, path FROM tags
           WHERE deleted = 0 AND parent_id IS ? ORDER BY name, id`,
        )
        .all(parentId) as TagDbRow[]
    ).map(toTag);
  }

  /** Name, brand, price and this store's stock of products, in the order given. */
  products(skus: readonly string[]): {
    sku: string;
    name: string;
    brand: string | null;
    priceMinor: number;
    currency: string;
    onHand: number | null;
  }[] {
    const one = this.db.prepare(
      `SELECT c.sku, c.name, c.brand, c.price_minor AS priceMinor, c.currency, s.on_hand AS onHand
       FROM catalog_products c LEFT JOIN stock s ON s.sku = c.sku WHERE c.sku = ?`,
    );
    return skus.flatMap((sku) => {
      const r = one.get(sku) as ReturnType<StoreTagsRepository['products']>[number] | undefined;
      return r ? [r] : [];
    });
  }

  /** Names of catalog products, for sorting results. */
  names(): Map<string, string> {
    const rows = this.db.prepare('SELECT sku, name FROM catalog_products').all() as { sku: string; name: string }[];
    return new Map(rows.map((r) => [r.sku, r.name]));
  }
}
