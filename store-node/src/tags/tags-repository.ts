import { tagsPullRowSchema, type TagKind, type TagNode, type TagsPullRow } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import { checkTagRows } from './page-checks.js';

/** A live tag of the store's copy. */
export type StoreTag = TagNode;

/** Where the copy stands (tags_sync). */
export interface TagsSyncState {
  readonly version: number;
  readonly wanted: number;
  readonly cursor: string | null;
  readonly seen: number;
  readonly pulled: boolean;
  /** When the last pull completed (ms), null before the first. */
  readonly pulledAt: number | null;
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

/** All of the store's SQL for its tags copy. */
export class StoreTagsRepository {
  constructor(readonly db: SqliteDb) {}

  state(): TagsSyncState {
    const r = this.db
      .prepare('SELECT version, wanted, cursor, seen, pulled, pulled_at AS pulledAt FROM tags_sync WHERE id = 1')
      .get() as {
      version: number;
      wanted: number;
      cursor: string | null;
      seen: number;
      pulled: number;
      pulledAt: number | null;
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
    checkTagRows(this.db, checked, next);
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
    let tagsChanged = false;
    for (const r of checked) {
      seen = Math.max(seen, r.version);
      if (r.kind === 'tag') {
        const applied = tag.run({ ...r, deleted: r.deleted ? 1 : 0 }).changes > 0;
        tagsChanged ||= applied;
        if (applied && r.deleted) this.db.prepare('DELETE FROM product_tags WHERE tag_id = ?').run(r.id);
      } else if (productVersion.run(r.sku, r.version).changes > 0) {
        clear.run(r.sku);
        for (const t of r.tagIds) give.run(r.sku, t);
      }
    }
    if (tagsChanged) this.rebuildAncestors();
    if (next === null) {
      this.db
        .prepare(
          `UPDATE tags_sync SET version = MAX(version, seen, ?), cursor = NULL, seen = 0, pulled = 1, updated_at = ?,
             pulled_at = ? WHERE id = 1`,
        )
        .run(seen, now, now);
    } else {
      this.db
        .prepare('UPDATE tags_sync SET cursor = ?, seen = MAX(seen, ?), updated_at = ? WHERE id = 1')
        .run(next, seen, now);
    }
  }

  /**
   * After a pull reached the end (cursor null): the copy is at what the hub served. A `wanted` above it that was known
   * when the pull began (`wantedBefore`: announced, never served; one that came during the pull is pulled again) is lowered to it and reported as `aheadOfServed`; a version above a non-zero `wanted` (a row dated
   * ahead of the hub's announcements) is held at `wanted`, so the next pull asks from there again.
   */
  settle(wantedBefore: number): { version: number; aheadOfServed: number | null } {
    const s = this.state();
    if (s.cursor !== null || s.wanted > wantedBefore) return { version: s.version, aheadOfServed: null };
    if (s.wanted > s.version) {
      this.db.prepare('UPDATE tags_sync SET wanted = version WHERE id = 1').run();
      return { version: s.version, aheadOfServed: s.wanted };
    }
    if (s.wanted > 0 && s.version > s.wanted) {
      this.db.prepare('UPDATE tags_sync SET version = wanted WHERE id = 1').run();
      return { version: s.wanted, aheadOfServed: null };
    }
    return { version: s.version, aheadOfServed: null };
  }

  /** Live tags, by path (a parent before its children). */
  tags(): StoreTag[] {
    return (
      this.db
        .prepare('SELECT id, slug, name, kind, parent_id, path FROM tags WHERE deleted = 0 ORDER BY path')
        .all() as TagDbRow[]
    ).map(toTag);
  }

  /** How many times the tags (with product tags) and the catalog's products have changed (tags_epoch's triggers). */
  epoch(): { tags: number; catalog: number } {
    return this.db.prepare('SELECT tags, catalog FROM tags_epoch WHERE id = 1').get() as {
      tags: number;
      catalog: number;
    };
  }

  /** [sku, name] of every product of this store's catalog. */
  catalogNames(): [string, string][] {
    return this.db.prepare('SELECT sku, name FROM catalog_products').raw().all() as [string, string][];
  }

  /** [sku, name] of up to `limit` catalog products after `afterSku`, by sku: the rebuild reads a page per step. */
  catalogPage(afterSku: string, limit: number): [string, string][] {
    return this.db
      .prepare('SELECT sku, name FROM catalog_products WHERE sku > ? ORDER BY sku LIMIT ?')
      .raw()
      .all(afterSku, limit) as [string, string][];
  }

  /** [sku, tag id] of up to `limit` product tags after (sku, tag id), by sku then tag: a page per rebuild step. */
  productTagPage(afterSku: string, afterTag: number, limit: number): [string, number][] {
    return this.db
      .prepare('SELECT sku, tag_id FROM product_tags WHERE (sku, tag_id) > (?, ?) ORDER BY sku, tag_id LIMIT ?')
      .raw()
      .all(afterSku, afterTag, limit) as [string, number][];
  }

  /** [sku, tag id] of every product tag, by sku (one product's rows together). */
  productTagPairs(): IterableIterator<[string, number]> {
    return this.db.prepare('SELECT sku, tag_id FROM product_tags ORDER BY sku').raw().iterate() as IterableIterator<
      [string, number]
    >;
  }

  /** [tag id, ancestor id] for every live tag: itself and each live tag above it. */
  ancestorPairs(): [number, number][] {
    return this.db.prepare('SELECT tag_id, ancestor_id FROM tag_ancestors').raw().all() as [number, number][];
  }

  /**
   * Rebuilds tag_ancestors from the live tags' paths (a moved, renamed or deleted tag changes its whole subtree; the
   * tree is small beside the products, so the whole table is rewritten). Inside the page's transaction.
   */
  rebuildAncestors(): void {
    const live = this.db.prepare('SELECT id, path FROM tags WHERE deleted = 0').raw().all() as [number, string][];
    const idOf = new Map(live.map(([id, path]) => [path, id]));
    this.db.prepare('DELETE FROM tag_ancestors').run();
    const insert = this.db.prepare('INSERT OR IGNORE INTO tag_ancestors (tag_id, ancestor_id) VALUES (?, ?)');
    for (const [id, path] of live) {
      const parts = path.split('.');
      for (let i = 1; i <= parts.length; i++) {
        const ancestor = idOf.get(parts.slice(0, i).join('.'));
        if (ancestor !== undefined) insert.run(id, ancestor);
      }
    }
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
}
