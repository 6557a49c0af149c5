import { UnprocessableError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { dayOf, TagAnalyticsRepository } from './analytics-repository.js';
import { TagsRepository } from './repository.js';
import type { TagChange, TagWriteResult } from './types.js';

/** The most tags one product may carry (what a store's copy accepts, shared/src/protocol/tags.ts). */
export const MAX_TAGS_PER_PRODUCT = 500;

/** Products a write refused, and why; the rest were written. */
export interface TagWriteRefusals {
  /** Skus the catalog does not hold (ADD and REPLACE only: a product may lose tags after it left the catalog). */
  readonly unknownSkus: readonly string[];
  /** Skus that would carry more than MAX_TAGS_PER_PRODUCT tags. */
  readonly tooManyTags: readonly string[];
}

/**
 * The one way product tags are written (the single-product routes and the bulk jobs alike): in the caller's
 * transaction, under the tags write lock, at one new version; the day's counts recorded and the replicas told at
 * commit. Stores hear of it from the announcer (store-feed.ts), which broadcasts the newest version every few seconds.
 */
export class TagWriter {
  constructor(readonly ctx: HubContext) {}

  /**
   * Changes the tags of the products named by sku. Every tag id must be a live tag (else a 422, nothing
   * written); skus the catalog does not hold are refused one by one (ADD, REPLACE).
   */
  async write(tx: Queryable, skus: readonly string[], change: TagChange): Promise<TagWriteResult & TagWriteRefusals> {
    const repo = new TagsRepository(tx);
    await repo.lockForWrite();
    await this.#checkTags(tx, change.tagIds);
    let known = [...new Set(skus)];
    let unknownSkus: string[] = [];
    if (change.action !== 'REMOVE') {
      const catalog = await this.ctx.services.get(CATALOG_PRODUCTS).many(known, tx);
      unknownSkus = known.filter((s) => !catalog.has(s));
      known = known.filter((s) => catalog.has(s));
    }
    const now = this.ctx.now();
    const version = await repo.takeVersion();
    const numbers =
      change.action === 'REMOVE' ? await this.#existingNumbers(tx, known) : await repo.numberSkus(known, version, now);
    const result = await this.writeNumbers(tx, [...numbers.values()], change, version);
    return { ...result, unknownSkus };
  }

  /**
   * Changes the tags of products by number (a bulk job's chunk), at `version` (taken by the caller under the lock,
   * or here when left out). The tags are not checked here: the caller checked them under the same lock.
   */
  async writeNumbers(
    tx: Queryable,
    productNos: readonly number[],
    change: TagChange,
    version?: number,
  ): Promise<TagWriteResult & { readonly tooManyTags: readonly string[] }> {
    const repo = new TagsRepository(tx);
    if (version === undefined) {
      await repo.lockForWrite();
      version = await repo.takeVersion();
    }
    const now = this.ctx.now();
    const { changed, tooMany } = await repo.writeProductTags(productNos, change, version, now, MAX_TAGS_PER_PRODUCT);
    const added = new Map<number, number>();
    const removed = new Map<number, number>();
    for (const p of changed) {
      const before = new Set(p.before);
      const after = new Set(p.tagIds);
      for (const t of after) if (!before.has(t)) added.set(t, (added.get(t) ?? 0) + 1);
      for (const t of before) if (!after.has(t)) removed.set(t, (removed.get(t) ?? 0) + 1);
    }
    if (changed.length > 0) {
      await new TagAnalyticsRepository(tx).recordTagChanges(dayOf(now), added, removed);
      await repo.notify(version);
    }
    return {
      version: changed.length > 0 ? version : 0,
      changed: changed.map(({ before: _b, ...p }) => p),
      added,
      removed,
      tooManyTags: tooMany,
    };
  }

  /** Refuses (422, naming them) tag ids that are not live tags. */
  async #checkTags(tx: Queryable, tagIds: readonly number[]): Promise<void> {
    const ids = [...new Set(tagIds)];
    if (ids.length === 0) return;
    const { rows } = await tx.query<{ id: number }>('SELECT id FROM tags WHERE id = ANY($1::int[]) AND NOT deleted', [
      ids,
    ]);
    const live = new Set(rows.map((r) => r.id));
    const missing = ids.filter((i) => !live.has(i));
    if (missing.length) throw new UnprocessableError(`no such tag: ${missing.slice(0, 10).join(', ')}`, { missing });
  }

  async #existingNumbers(tx: Queryable, skus: readonly string[]): Promise<Map<string, number>> {
    if (skus.length === 0) return new Map();
    const { rows } = await tx.query<{ sku: string; product_no: number }>(
      'SELECT sku, product_no FROM tag_products WHERE sku = ANY($1::text[])',
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, r.product_no]));
  }
}
