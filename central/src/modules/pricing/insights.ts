import {
  NotFoundError,
  PROMOTION_STACKING,
  type PriceBookScope,
  type PriceEntry,
  type Promotion,
  UnprocessableError,
  minorUnitsSchema,
  promotionRuleSchema,
  skuSchema,
  uuidv7,
} from '@storefleet/shared';
import { z } from 'zod';
import type { HubContext } from '../../kernel/module-contract.js';
import type { HubPricerService } from './hub-pricer.js';
import { catalogOf, productsBySku, targetedProducts } from './insights-catalog.js';
import { DryRunJob, type DryRunView, dryRunView } from './insights-dry-run.js';
import { InsightsRepository, type ScopedEntry, type StoreRef } from './insights-repository.js';

const DAY_MS = 86_400_000;
/** The longest window one dry run covers. */
export const DRY_RUN_MAX_DAYS = 31;
/** The most skus a promotion preview lists (with the count of all it targets). */
export const PREVIEW_PROMOTION_LIST_MAX = 500;
/** The most entries one book preview takes (as POST entries). */
export const PREVIEW_ENTRIES_MAX = 5_000;
/** The most distinct prices per sku a book preview lists (store groups sharing one before/after). */
const PREVIEW_GROUPS_MAX = 20;

const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const uuid = z.string().uuid();

/** A book change to preview: the body of POST /pricing/books/:id/entries plus the book. */
export const previewEntriesSchema = z.strictObject({
  bookId: uuid,
  entries: z
    .array(
      z
        .strictObject({
          sku: skuSchema,
          priceMinor: minorUnitsSchema,
          memberPriceMinor: minorUnitsSchema.nullable().optional(),
          from: epochMs.optional(),
          to: epochMs.nullable().optional(),
        })
        .refine((e) => e.to == null || e.from === undefined || e.to > e.from, {
          path: ['to'],
          message: 'to must be after from',
        }),
    )
    .min(1)
    .max(PREVIEW_ENTRIES_MAX),
});

/** A promotion as POST /pricing/promotions takes it; `from`/`to` may be left out in a preview or a dry run. */
export const promotionDraftSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  rule: promotionRuleSchema,
  priority: z.number().int().min(0).max(1_000_000).default(100),
  stacking: z.enum(PROMOTION_STACKING).default('STACKABLE'),
  from: epochMs.optional(),
  to: epochMs.nullable().optional(),
  storeIds: z.array(uuid).max(5_000).optional(),
  regionIds: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
    .max(500)
    .optional(),
  couponRequired: z.boolean().optional(),
  membersOnly: z.boolean().optional(),
});
export type PromotionDraft = z.output<typeof promotionDraftSchema>;

export const dryRunRequestSchema = z
  .strictObject({
    promotion: promotionDraftSchema.optional(),
    promotionId: uuid.optional(),
    from: epochMs.optional(),
    to: epochMs.optional(),
    storeId: uuid.optional(),
  })
  .refine((b) => (b.promotion === undefined) !== (b.promotionId === undefined), 'give promotion or promotionId');

export interface EntryPreview {
  readonly sku: string;
  readonly name: string;
  /** When the new price takes effect (its `from`, or now). */
  readonly at: number;
  /** The book's stores. */
  readonly stores: number;
  /** Stores whose shelf price moves (a more specific book may keep the others at their price). */
  readonly storesAffected: number;
  /** The price now at most of the affected stores (else at most of the book's stores), and after. */
  readonly nowMinor: number;
  readonly afterMinor: number;
  /** (after − now) / now in basis points (null when now is 0). */
  readonly changeBp: number | null;
  /** Each distinct before/after among the book's stores, the most stores first. */
  readonly groups: readonly { stores: number; nowMinor: number; afterMinor: number; affected: boolean }[];
}

export interface PromotionPreview {
  readonly total: number;
  readonly skus: readonly { sku: string; name: string; category: string; priceMinor: number }[];
  /** True when the rule targets the whole basket (a spend threshold without a target): every product counts. */
  readonly wholeCatalog: boolean;
}

/**
 * For the console (lane G): which skus a price book change or a promotion touches (with their prices before and
 * after), and a promotion's dry run against last week's completed baskets (SALES_BASKETS): baskets it would have
 * applied to, what it would have cost, the biggest discounts.
 */
export class PricingInsights {
  readonly #job: DryRunJob;
  readonly #repo: InsightsRepository;
  #defined = false;

  constructor(
    readonly ctx: HubContext,
    readonly pricer: HubPricerService,
  ) {
    this.#repo = new InsightsRepository(ctx.db);
    this.#job = new DryRunJob(ctx, this.#repo);
  }

  /** Defines the `pricing.dry-run` job on this hub's runner (once; before any run is enqueued). */
  defineJobs(): void {
    if (this.#defined) return;
    this.#defined = true;
    this.ctx.jobs.define<{ runId: string }>({
      name: 'pricing.dry-run',
      maxAttempts: 3,
      timeoutMs: 30 * 60_000,
      run: (job) => this.#job.run(job),
    });
  }

  async previewEntries(input: z.output<typeof previewEntriesSchema>): Promise<{ entries: EntryPreview[] }> {
    const book = await this.#repo.bookById(input.bookId);
    if (!book) throw new NotFoundError('price book', input.bookId);
    const skus = [...new Set(input.entries.map((e) => e.sku))];
    const products = await productsBySku(catalogOf(this.ctx), skus, this.ctx.db);
    const unknown = skus.filter((s) => !products.has(s));
    if (unknown.length)
      throw new UnprocessableError(
        `the catalog does not hold ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` (+${unknown.length - 20} more)` : ''}`,
        { unknownSkus: unknown.slice(0, 100) },
      );
    const stores = await this.#repo.storesOfBook(book);
    const held = await this.#repo.entriesFor(skus);
    const bySku = new Map<string, ScopedEntry[]>();
    for (const e of held) bySku.set(e.sku, [...(bySku.get(e.sku) ?? []), e]);
    const now = this.ctx.now();
    const out: EntryPreview[] = [];
    for (const e of input.entries) {
      const product = products.get(e.sku)!;
      const at = Math.max(now, e.from ?? now);
      const proposed: ScopedEntry = {
        bookId: book.id,
        scope: book.scope,
        sku: e.sku,
        priceMinor: e.priceMinor,
        memberPriceMinor: e.memberPriceMinor ?? null,
        from: e.from ?? now,
        to: e.to ?? null,
        revision: Number.MAX_SAFE_INTEGER,
        storeId: book.storeId,
        regionId: book.regionId,
      };
      const mine = bySku.get(e.sku) ?? [];
      // stores that see the same entries share a result: group by the store and region books holding this sku
      const groups = new Map<string, { stores: number; nowMinor: number; afterMinor: number }>();
      for (const s of stores) {
        const applies = mine.filter((x) => appliesTo(x, s));
        const key = `${applies.some((x) => x.scope === 'STORE') ? s.storeId : ''}|${applies.some((x) => x.scope === 'REGION') ? s.regionId : ''}`;
        const had = groups.get(key);
        if (had) {
          had.stores++;
          continue;
        }
        const nowMinor = priceOf(effectiveEntry(applies, now), product.priceMinor);
        const afterMinor = priceOf(effectiveEntry([...applies, proposed], at), product.priceMinor);
        groups.set(key, { stores: 1, nowMinor, afterMinor });
      }
      const merged = new Map<string, { stores: number; nowMinor: number; afterMinor: number; affected: boolean }>();
      for (const g of groups.values()) {
        const k = `${g.nowMinor}>${g.afterMinor}`;
        const m = merged.get(k);
        if (m) m.stores += g.stores;
        else merged.set(k, { ...g, affected: g.nowMinor !== g.afterMinor });
      }
      const list = [...merged.values()].sort((a, b) => b.stores - a.stores || a.nowMinor - b.nowMinor);
      const head = list.find((g) => g.affected) ??
        list[0] ?? { stores: 0, nowMinor: product.priceMinor, afterMinor: e.priceMinor, affected: false };
      out.push({
        sku: e.sku,
        name: product.name,
        at,
        stores: stores.length,
        storesAffected: list.filter((g) => g.affected).reduce((n, g) => n + g.stores, 0),
        nowMinor: head.nowMinor,
        afterMinor: head.afterMinor,
        changeBp: head.nowMinor ? Math.round(((head.afterMinor - head.nowMinor) * 10_000) / head.nowMinor) : null,
        groups: list.slice(0, PREVIEW_GROUPS_MAX),
      });
    }
    return { entries: out };
  }

  async previewPromotion(draft: PromotionDraft): Promise<PromotionPreview> {
    const target = draft.rule.kind === 'THRESHOLD' ? (draft.rule.target ?? null) : draft.rule.target;
    const { products, total } = await targetedProducts(catalogOf(this.ctx), target, PREVIEW_PROMOTION_LIST_MAX);
    return {
      total,
      wholeCatalog: target === null,
      skus: products.map((p) => ({ sku: p.sku, name: p.name, category: p.category, priceMinor: p.priceMinor })),
    };
  }

  /** Starts a dry run (a `pricing.dry-run` job); 404 for an unknown promotion or store, 422 for a bad window. */
  async startDryRun(input: z.output<typeof dryRunRequestSchema>, createdBy: string | null): Promise<{ id: string }> {
    const now = this.ctx.now();
    const to = input.to ?? now;
    const from = input.from ?? to - 7 * DAY_MS;
    if (!(to > from)) throw new UnprocessableError('to must be after from');
    if (to - from > DRY_RUN_MAX_DAYS * DAY_MS)
      throw new UnprocessableError(`a dry run covers at most ${DRY_RUN_MAX_DAYS} days`);
    if (input.storeId && !(await this.#repo.isStore(input.storeId))) throw new NotFoundError('store', input.storeId);
    let promotion: Promotion;
    if (input.promotionId) {
      const p = await this.#repo.promotionById(input.promotionId);
      if (!p) throw new NotFoundError('promotion', input.promotionId);
      promotion = p;
    } else promotion = draftPromotion(input.promotion!);
    const id = uuidv7();
    await this.#repo.createDryRun({
      id,
      promotion,
      promotionId: input.promotionId ?? null,
      from,
      to,
      storeId: input.storeId ?? null,
      createdBy,
      at: now,
    });
    this.defineJobs();
    try {
      await this.ctx.jobs.enqueue('pricing.dry-run', { runId: id }, { idempotencyKey: id });
    } catch (err) {
      // not queued: the run says so instead of staying RUNNING for good
      await this.#repo.failDryRun(id, 'the dry run could not be queued', this.ctx.now());
      throw err;
    }
    return { id };
  }

  async dryRun(id: string): Promise<DryRunView> {
    const view = await dryRunView(this.#repo, id);
    if (!view) throw new NotFoundError('dry run', id);
    return view;
  }
}

/** A draft as the engine's promotion, effective whenever the dry run looks (its own window is not the question). */
export const DRAFT_PROMOTION_ID = '00000000-0000-4000-8000-000000000000';
function draftPromotion(d: PromotionDraft): Promotion {
  return {
    id: DRAFT_PROMOTION_ID,
    name: d.name,
    rule: d.rule,
    priority: d.priority,
    stacking: d.stacking,
    from: d.from ?? 0,
    to: d.to ?? null,
    ...(d.storeIds?.length ? { storeIds: d.storeIds } : {}),
    ...(d.regionIds?.length ? { regionIds: d.regionIds } : {}),
    ...(d.couponRequired ? { couponRequired: true } : {}),
    ...(d.membersOnly ? { membersOnly: true } : {}),
    revision: Number.MAX_SAFE_INTEGER,
  };
}

function appliesTo(e: ScopedEntry, s: StoreRef): boolean {
  return e.scope === 'CHAIN' || (e.scope === 'STORE' ? e.storeId === s.storeId : e.regionId === s.regionId);
}
const priceOf = (e: PriceEntry | null, catalogMinor: number) => (e ? e.priceMinor : catalogMinor);

const SCOPE_RANK: Record<PriceBookScope, number> = { STORE: 0, REGION: 1, CHAIN: 2 };

/** The entry the engine picks for a sku at `at`: most specific scope, then latest `from`, then highest revision. */
export function effectiveEntry(entries: readonly PriceEntry[], at: number): PriceEntry | null {
  let best: PriceEntry | null = null;
  for (const e of entries) {
    if (e.from > at || (e.to !== null && e.to <= at)) continue;
    if (
      !best ||
      SCOPE_RANK[e.scope] < SCOPE_RANK[best.scope] ||
      (SCOPE_RANK[e.scope] === SCOPE_RANK[best.scope] &&
        (e.from > best.from || (e.from === best.from && e.revision > best.revision)))
    )
      best = e;
  }
  return best;
}
