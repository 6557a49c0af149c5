import { feedEntry, type RecsStoreItem, type RecsStoreTop } from '@storefleet/shared';
import type { CatalogProduct } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { ModelRepository } from './model-repository.js';
import type { Candidate } from './types.js';

/** The store list's and the pairs' bounds (shared/src/protocol/recommendations.ts: ≤100 items, ≤200 pairs × ≤8). */
export const STORE_TOP_ITEMS = 100;
const PAIR_WITH = 8;
/** Stores fed per transaction: a short one each, not 5,000 stores' entries in one. */
export const STORES_A_BATCH = 200;
const CATALOG_READ = 1_000;

/**
 * Each store's `recs.store-top`: its own popular list (overall when it has none yet, "Popular across our stores"),
 * and for those products what their buyers also bought (from each customer's purchases and cart adds, not one
 * basket), so the kiosk recommends with no network. Built from a model's stored rows, so the feed entry and
 * `GET /api/recommendations/stores/:storeId/top` give the same payload for the same model.
 */
export class StoreTops {
  constructor(readonly ctx: HubContext) {}

  /** The payloads of `storeIds` from model `version` (`generatedAt`: the model's finish, the same on every read). */
  async build(version: number, generatedAt: number, storeIds: readonly string[]): Promise<Map<string, RecsStoreTop>> {
    const repo = new ModelRepository(this.ctx.db);
    const scopes = storeIds.map((id) => `store:${id}`);
    const lists = await repo.popular(version, [...scopes, 'all']);
    const overall = lists.get('all') ?? [];
    const chosen = storeIds.map((id) => {
      const own = lists.get(`store:${id}`) ?? [];
      return own.length > 0 ? { items: own, here: true } : { items: overall, here: false };
    });
    const listed = new Set(chosen.flatMap((c) => c.items.slice(0, STORE_TOP_ITEMS).map((i) => i.sku)));
    const pairsOf = await repo.neighbours(version, 'BOUGHT_WITH', [...listed]);
    const skus = new Set(listed);
    for (const items of pairsOf.values()) for (const i of items) skus.add(i.sku);
    const products = await this.#products([...skus]);

    const out = new Map<string, RecsStoreTop>();
    storeIds.forEach((storeId, k) => {
      const { items, here } = chosen[k]!;
      const top: RecsStoreItem[] = [];
      for (const c of items) {
        const p = products.get(c.sku);
        if (!p) continue; // gone from the catalog since the model was trained
        const category = clip(p.category, 64);
        top.push({
          sku: c.sku,
          category,
          score: c.score,
          reason: here ? 'Popular at this store' : 'Popular across our stores',
        });
        if (top.length === STORE_TOP_ITEMS) break;
      }
      const pairs = top.flatMap((item) => {
        const anchor = products.get(item.sku)!;
        const withThem = (pairsOf.get(item.sku) ?? [])
          .filter((c) => products.has(c.sku))
          .slice(0, PAIR_WITH)
          .map((c) => ({
            sku: c.sku,
            score: c.score,
            reason: clip(`Customers who bought ${anchor.name} also bought this`, 200),
          }));
        return withThem.length > 0 ? [{ sku: item.sku, with: withThem }] : [];
      });
      out.set(storeId, { modelVersion: version, generatedAt, items: top, pairs });
    });
    return out;
  }

  /** What one store gets from the active model, or null before the first model (or for no such store). */
  async of(storeId: string): Promise<RecsStoreTop | null> {
    const repo = new ModelRepository(this.ctx.db);
    const active = await repo.active();
    if (!active || !(await repo.storeExists(storeId))) return null;
    return (await this.build(active.version, active.finishedAt ?? active.startedAt, [storeId])).get(storeId) ?? null;
  }

  /**
   * Appends model `version`'s list to every store's feed, STORES_A_BATCH stores a transaction (each batch's lists
   * built before its transaction opens). Returns how many stores were fed; stops between batches when aborted.
   */
  async feedAll(version: number, generatedAt: number, signal?: AbortSignal): Promise<number> {
    const repo = new ModelRepository(this.ctx.db);
    let after: string | null = null;
    let fed = 0;
    for (;;) {
      signal?.throwIfAborted();
      const stores = await repo.storesAfter(after, STORES_A_BATCH);
      if (stores.length === 0) return fed;
      const tops = await this.build(version, generatedAt, stores);
      await this.ctx.db.transaction((tx) =>
        this.ctx.feed.appendMany(
          tx,
          [...tops].map(([storeId, top]) => ({ storeId, ...feedEntry('recs.store-top', top) })),
        ),
      );
      fed += stores.length;
      after = stores.at(-1)!;
    }
  }

  async #products(skus: readonly string[]): Promise<Map<string, CatalogProduct>> {
    const catalog = this.ctx.services.get(CATALOG_PRODUCTS);
    const out = new Map<string, CatalogProduct>();
    for (let k = 0; k < skus.length; k += CATALOG_READ)
      for (const [sku, p] of await catalog.many(skus.slice(k, k + CATALOG_READ))) out.set(sku, p);
    return out;
  }
}

/** Four decimals are plenty to rank by, and keep a list's JSON short. */
const round = (x: number) => Math.round(x * 10_000) / 10_000;
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** A list's candidates with scores scaled so its best is 1 (what the hybrid weighs), best first. */
export function normalised(items: readonly { sku: string; score: number; why: string | null }[]): Candidate[] {
  const best = items.reduce((m, c) => Math.max(m, c.score), 0);
  return items.map((c, rank) => ({
    sku: c.sku,
    // a list whose scores are all ≤ 0 (iALS can score below zero) keeps its order through the rank
    score: round(best > 0 ? Math.max(0, c.score) / best : 1 - rank / items.length),
    why: c.why,
  }));
}
