import {
  ConflictError,
  NotFoundError,
  PROMOTION_STACKING,
  type PromotionRow,
  promotionRuleSchema,
  UnprocessableError,
  uuidv7,
} from '@storefleet/shared';
import { z } from 'zod';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { BooksRepository } from './books-repository.js';
import { PromotionsRepository } from './promotions-repository.js';
import { announce, nextRevision } from './revision.js';
import type { PromotionView } from './types.js';

const epochMs = z.number().int().min(0).max(8_640_000_000_000);

/** A promotion as head office writes it (POST and PUT /api/pricing/promotions; lane G's previews take the same). */
export const promotionDraftSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  rule: promotionRuleSchema,
  priority: z.number().int().min(0).max(1_000_000),
  stacking: z.enum(PROMOTION_STACKING),
  from: epochMs,
  to: epochMs.nullable().optional(),
  storeIds: z.array(z.string().uuid()).max(5_000).optional(),
  regionIds: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
    .max(500)
    .optional(),
  couponRequired: z.boolean().optional(),
  membersOnly: z.boolean().optional(),
});
export type PromotionDraft = z.infer<typeof promotionDraftSchema>;

/** Who reads: head office (every promotion) or a store's people (those that run at their store). */
export type PromotionsReader = { readonly storeId: string } | null;

/**
 * Promotions: create, edit, end and delete, validated with the shared schemas (the rule, its window, the skus it names
 * in the catalog, the stores and regions it names); each change takes a revision and announces it to every store.
 */
export class Promotions {
  constructor(readonly ctx: HubContext) {}

  async list(
    reader: PromotionsReader,
    q: { status: PromotionView['status'] | null; after: string | null; limit: number },
  ): Promise<{ promotions: PromotionView[]; next: string | null }> {
    const place = reader === null ? null : await this.#place(this.ctx.db, reader.storeId);
    const promotions = await new PromotionsRepository(this.ctx.db).list({ ...q, place }, this.ctx.now());
    return { promotions, next: promotions.length === q.limit ? promotions.at(-1)!.id : null };
  }

  /** One promotion; one that does not run at the reader's store is a 404 as if it did not exist. */
  async get(reader: PromotionsReader, id: string): Promise<PromotionView> {
    const p = await new PromotionsRepository(this.ctx.db).get(id, this.ctx.now());
    if (!p) throw new NotFoundError('promotion', id);
    if (reader !== null) {
      const place = await this.#place(this.ctx.db, reader.storeId);
      const everywhere = !p.storeIds?.length && !p.regionIds?.length;
      const here =
        everywhere ||
        (p.storeIds ?? []).includes(place.storeId) ||
        (place.regionId !== null && (p.regionIds ?? []).includes(place.regionId));
      if (!here) throw new NotFoundError('promotion', id);
    }
    return p;
  }

  async create(draft: PromotionDraft, createdBy: string | null): Promise<PromotionView> {
    return this.#write(uuidv7(this.ctx.now()), draft, createdBy, false);
  }

  /** Replaces a promotion's terms (a new revision; stores replace it under its id). */
  async edit(id: string, draft: PromotionDraft): Promise<PromotionView> {
    return this.#write(id, draft, null, true);
  }

  async #write(id: string, draft: PromotionDraft, createdBy: string | null, existing: boolean): Promise<PromotionView> {
    const to = draft.to ?? null;
    if (to !== null && to <= draft.from) throw new UnprocessableError('to must be after from', { field: 'to' });
    return this.ctx.db.transaction(async (tx) => {
      const repo = new PromotionsRepository(tx);
      const before = existing ? await repo.get(id, this.ctx.now()) : null;
      if (existing && !before) throw new NotFoundError('promotion', id);
      await this.#validateTargets(tx, draft);
      const revision = await nextRevision(tx);
      await repo.put(
        {
          id,
          name: draft.name,
          rule: draft.rule as PromotionRow['rule'],
          priority: draft.priority,
          stacking: draft.stacking,
          from: draft.from,
          to,
          storeIds: [...new Set(draft.storeIds ?? [])],
          regionIds: [...new Set(draft.regionIds ?? [])],
          couponRequired: draft.couponRequired ?? false,
          membersOnly: draft.membersOnly ?? false,
          revision,
        },
        before?.createdBy ?? createdBy,
        this.ctx.now(),
      );
      await announce(tx, this.ctx.feed, revision);
      return (await repo.get(id, this.ctx.now()))!;
    });
  }

  /** The skus the rule names are in the catalog, the stores are stores, the regions exist (422 naming the others). */
  async #validateTargets(q: Queryable, draft: PromotionDraft): Promise<void> {
    const skus = [...new Set(draft.rule.target?.skus ?? [])];
    if (skus.length > 0) {
      const known = await this.ctx.services.get(CATALOG_PRODUCTS).many(skus, q);
      const unknown = skus.filter((s) => !known.has(s));
      if (unknown.length > 0)
        throw new UnprocessableError(`unknown skus: ${unknown.slice(0, 20).join(', ')}`, {
          field: 'rule.target.skus',
          unknownSkus: unknown.slice(0, 100),
        });
    }
    const books = new BooksRepository(q);
    const storeIds = [...new Set(draft.storeIds ?? [])];
    const stores = await books.storesAmong(storeIds);
    const notStores = storeIds.filter((s) => !stores.has(s));
    if (notStores.length > 0)
      throw new UnprocessableError(`not stores: ${notStores.slice(0, 20).join(', ')}`, { field: 'storeIds' });
    const regionIds = [...new Set(draft.regionIds ?? [])];
    const regions = await books.regionsAmong(regionIds);
    const notRegions = regionIds.filter((r) => !regions.has(r));
    if (notRegions.length > 0)
      throw new UnprocessableError(`unknown regions: ${notRegions.slice(0, 20).join(', ')}`, { field: 'regionIds' });
  }

  /** Ends a running promotion now (to = now); one that has ended is returned as it is; one not started: 409. */
  async end(id: string): Promise<PromotionView> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new PromotionsRepository(tx);
      const now = this.ctx.now();
      const p = await repo.get(id, now);
      if (!p) throw new NotFoundError('promotion', id);
      if (p.status === 'ENDED') return p;
      if (p.status === 'SCHEDULED')
        throw new ConflictError(`promotion ${id} has not started: delete it, or edit its window`);
      const revision = await nextRevision(tx);
      await repo.end(id, Math.max(now, p.from + 1), revision);
      await announce(tx, this.ctx.feed, revision);
      return (await repo.get(id, now))!;
    });
  }

  async delete(id: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const repo = new PromotionsRepository(tx);
      if (!(await repo.get(id, this.ctx.now()))) throw new NotFoundError('promotion', id);
      const revision = await nextRevision(tx);
      await repo.tombstone(id, revision, this.ctx.now());
      await announce(tx, this.ctx.feed, revision);
    });
  }

  async #place(q: Queryable, storeId: string): Promise<{ storeId: string; regionId: string | null }> {
    return { storeId, regionId: await new BooksRepository(q).storeRegion(storeId) };
  }
}
