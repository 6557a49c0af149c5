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
  /**
   * Skus of no product: for ADD and REPLACE, not in the catalog; for REMOVE, neither in the catalog nor ever tagged (a
   * product may lose its tags after it left the catalog, and one in the catalog never tagged has nothing to remove).
   */
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
   * written); skus of no product are refused one by one (TagWriteRefusals.unknownSkus).
   */
  async write(tx: Queryable, skus: readonly string[], change: TagChange): Promise<TagWriteResult & TagWriteRefusals> {
    const repo = new TagsRepository(tx);
    await repo.lockForWrite();
    const missing = await repo.missingTags(change.tagIds);
    if (missing.length) throw new UnprocessableError(`no such tag: ${missing.slice(0, 10).join(', ')}`, { missing });
    const unique = [...new Set(skus)];
    const catalog = this.ctx.services.get(CATALOG_PRODUCTS);
    const now = this.ctx.now();
    const version = await repo.takeVersion();
    let numbers: Map<string, number>;
    let unknownSkus: string[];
    if (change.action === 'REMOVE') {
      // a product may lose its tags after it left the catalog; one neither tagged nor in the catalog is a mistake
      numbers = await repo.productNumbers(unique);
      const untagged = unique.filter((s) => !numbers.has(s));
      const known = untagged.length ? await catalog.many(untagged, tx) : new Map();
      unknownSkus = untagged.filter((s) => !known.has(s));
    } else {
      const known = await catalog.many(unique, tx);
      unknownSkus = unique.filter((s) => !known.has(s));
      numbers = await repo.numberSkus(
        unique.filter((s) => known.has(s)),
        version,
        now,
      );
    }
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
}
