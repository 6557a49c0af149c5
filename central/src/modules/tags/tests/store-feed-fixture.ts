import { randomUUID } from 'node:crypto';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import type { Queryable } from '../../../db/db.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { type TagsParts, tagsParts } from '../index.js';
import { tagsTestHub } from './support-hub.js';

/** What the tree's writes need of a database: a transaction. */
interface TxDb {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/**
 * Tag tree writes made with plain SQL, as the tree's routes leave them (one version per writing transaction, under the
 * tags write lock): the store-feed tests do not depend on the tree's routes. Products are tagged through TagWriter.
 */
export class TreeWrites {
  readonly ids: Record<string, number> = {};
  constructor(
    readonly db: TxDb,
    readonly now: () => number,
  ) {}

  async #versioned<T>(fn: (tx: Queryable, version: number) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('tags_version'))");
      const v = Number((await tx.query<{ v: string }>("SELECT nextval('tags_version')::text AS v")).rows[0]!.v);
      return fn(tx, v);
    });
  }

  /** A live tag under `parent` (a slug made before). */
  async tag(slug: string, name: string, parent: string | null = null): Promise<number> {
    const id = await this.#versioned(async (tx, v) => {
      const p = parent
        ? (
            await tx.query<{ path: string; depth: number }>('SELECT path, depth FROM tags WHERE id = $1', [
              this.ids[parent],
            ])
          ).rows[0]!
        : null;
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO tags (slug, name, kind, parent_id, path, depth, created_at, updated_at, version)
         VALUES ($1, $2, 'CATEGORY', $3, $4, $5, $6, $6, $7) RETURNING id`,
        [
          slug,
          name,
          parent ? this.ids[parent] : null,
          p ? `${p.path}.${slug}` : slug,
          p ? Number(p.depth) + 1 : 1,
          this.now(),
          v,
        ],
      );
      return rows[0]!.id;
    });
    this.ids[slug] = id;
    return id;
  }

  /** Moves a tag and its subtree under `parent` (null: to the root); every row of the subtree takes the version. */
  async move(slug: string, parent: string | null): Promise<void> {
    await this.#versioned(async (tx, v) => {
      const old = (
        await tx.query<{ path: string; depth: number }>('SELECT path, depth FROM tags WHERE id = $1', [this.ids[slug]])
      ).rows[0]!;
      const p = parent
        ? (
            await tx.query<{ path: string; depth: number }>('SELECT path, depth FROM tags WHERE id = $1', [
              this.ids[parent],
            ])
          ).rows[0]!
        : null;
      const newPath = p ? `${p.path}.${slug}` : slug;
      const shift = (p ? Number(p.depth) + 1 : 1) - Number(old.depth);
      await tx.query(
        `UPDATE tags SET path = $2 || substr(path, length($1) + 1), depth = depth + $3, version = $4, updated_at = $5
         WHERE NOT deleted AND (path = $1 OR path LIKE $1 || '.%')`,
        [old.path, newPath, shift, v, this.now()],
      );
      await tx.query('UPDATE tags SET parent_id = $2 WHERE id = $1', [
        this.ids[slug],
        parent ? this.ids[parent] : null,
      ]);
    });
  }

  /** Deletes a leaf: its products lose it and it stays as a tombstone. */
  async remove(slug: string): Promise<void> {
    const id = this.ids[slug]!;
    await this.#versioned(async (tx, v) => {
      await tx.query(
        `UPDATE tag_products SET tag_ids = array_remove(tag_ids, $1), version = $2, updated_at = $3 WHERE $1 = ANY(tag_ids)`,
        [id, v, this.now()],
      );
      await tx.query('UPDATE tags SET deleted = true, version = $2, updated_at = $3 WHERE id = $1', [
        id,
        v,
        this.now(),
      ]);
    });
  }

  /** Gives a product exactly these tags (by slug; none: untagged), as one write. */
  async setTags(sku: string, slugs: readonly string[]): Promise<void> {
    const ids = slugs.map((s) => this.ids[s]!).sort((a, b) => a - b);
    await this.#versioned(async (tx, v) => {
      await tx.query(
        `INSERT INTO tag_products (sku, tag_ids, version, updated_at, ever_tagged) VALUES ($1, $2::int[], $3, $4, true)
         ON CONFLICT (sku) DO UPDATE SET tag_ids = excluded.tag_ids, version = excluded.version,
           updated_at = excluded.updated_at, ever_tagged = true`,
        [sku, ids, v, this.now()],
      );
    });
  }
}

/** A hub with the tags module's context caught, products in the catalog, and stores registered. */
export class StoreFeedHub {
  private constructor(
    readonly t: TestHub,
    readonly ctx: HubContext,
    readonly tree: TreeWrites,
  ) {}

  static async start(target: DbTarget): Promise<StoreFeedHub> {
    const { t, ctx } = await tagsTestHub(target);
    return new StoreFeedHub(t, ctx, new TreeWrites(t.hub.db, ctx.now));
  }

  get parts(): TagsParts {
    return tagsParts(this.ctx);
  }

  async products(skus: readonly string[]): Promise<void> {
    const r = await this.t.call(
      'POST',
      '/api/catalog/products/import',
      { items: skus.map((sku) => ({ sku, name: `Product ${sku}`, category: 'Test', priceMinor: 100 })) },
      { cookie: await this.t.login(), idempotencyKey: randomUUID() },
    );
    if (r.status !== 200) throw new Error(`catalog import: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Adds tags (by slug) to products through TagWriter, in one write. */
  async add(skus: readonly string[], slugs: readonly string[], tx?: Queryable): Promise<void> {
    const tagIds = slugs.map((s) => this.tree.ids[s]!);
    if (tx) await this.parts.writer.write(tx, skus, { action: 'ADD', tagIds });
    else await this.ctx.db.transaction((q) => this.parts.writer.write(q, skus, { action: 'ADD', tagIds }));
  }

  async stop(): Promise<void> {
    await this.t.stop();
  }
}
