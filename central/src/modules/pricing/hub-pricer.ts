import {
  type BasketLine,
  DEFAULT_TAX_RATES_PPM,
  NotFoundError,
  UnprocessableError,
  type PricedBasket,
  type PricingRules,
  type PriceEntry,
  type Promotion,
  price,
  readCoupon,
  type SigningKey,
} from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import type { HubPricer } from '../../kernel/ports/pricing.js';
import { BooksRepository } from './books-repository.js';
import { recordRedemptions, releaseRedemptions } from './coupon-redemptions.js';
import { type Place, PricingRulesRepository } from './rules-repository.js';
import type { PriceBookEntry } from './types.js';

/**
 * The default chain currency (an empty catalog's). The pricer takes the catalog's own (CATALOG_PRODUCTS.currency());
 * store-rules.ts and books.ts still name this one (their lanes' change).
 */
export const CHAIN_CURRENCY = 'USD';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Stores whose promotions and keys the pricer keeps at once (the least recently used go first). */
export const PRICER_CACHE_STORES = 1_000;

/** What the pricer keeps per store between revisions: all but the entries (read per basket, for its skus only). */
interface CachedRules {
  readonly revision: number;
  readonly regionId: string | null;
  readonly promotions: readonly Promotion[];
  readonly keys: readonly SigningKey[];
}

/**
 * The hub's pricer: the catalog's products + the rules effective for the store (its book, its region's, the chain's;
 * the promotions that run there; the signing keys; the used coupons) through the shared `price()` — the same engine
 * and the same rows the stores hold, so the hub and a store price a basket alike. Per store it keeps the region,
 * promotions and keys, keyed by the highest pricing revision committed (revisions commit in order: revision.ts), at
 * most PRICER_CACHE_STORES stores; the basket's price entries and used coupons are read per call. Provides PRICING.
 */
export class HubPricerService implements HubPricer {
  readonly #cache = new Map<string, CachedRules>();

  constructor(readonly ctx: HubContext) {}

  async priceLines(input: Parameters<HubPricer['priceLines']>[0], q?: Queryable): Promise<PricedBasket> {
    const db = q ?? this.ctx.db;
    if (input.storeId !== null && !UUID.test(input.storeId)) throw new NotFoundError('store', input.storeId);
    const skus = [...new Set(input.lines.map((l) => l.sku))];
    const products = await this.ctx.services.get(CATALOG_PRODUCTS).many(skus, db);
    const missing = skus.find((s) => !products.has(s));
    if (missing !== undefined) throw new NotFoundError('product', missing);
    const rules = await this.rules(db, input.storeId, skus);
    const couponIds = (input.coupons ?? []).flatMap((code) => {
      const claims = readCoupon(code.trim());
      return claims ? [`${claims.promotionId}:${claims.serial}`] : [];
    });
    const used = await new PricingRulesRepository(db).usedAmong(couponIds);
    const basket: BasketLine[] = input.lines.map((l) => {
      const p = products.get(l.sku)!;
      return {
        sku: l.sku,
        qty: l.qty,
        catalogPriceMinor: p.priceMinor,
        taxClass: p.taxClass,
        category: p.category,
        name: p.name,
      };
    });
    try {
      return price(basket, rules.rules, {
        at: input.at ?? this.ctx.now(),
        storeId: input.storeId,
        regionId: rules.regionId,
        member: input.member,
        ...(input.coupons ? { coupons: input.coupons } : {}),
        isCouponUsed: (id) => used.has(id),
      });
    } catch (err) {
      // The engine refuses a basket that is not one (more than MAX_UNITS units, a product without a tax rate): the
      // caller's 422, naming why, never a 500 — as the store's own pricing route answers.
      if (err instanceof RangeError) throw new UnprocessableError(`this basket cannot be priced: ${err.message}`);
      throw err;
    }
  }

  /**
   * The rules the engine gets for `storeId` (null: online) — the entries of these skus only, which is all the engine
   * reads of a basket of them — and the store's region.
   */
  async rules(
    q: Queryable,
    storeId: string | null,
    skus: readonly string[],
  ): Promise<{ rules: PricingRules; regionId: string | null }> {
    const repo = new PricingRulesRepository(q);
    const revision = await repo.rulesRevision();
    const key = storeId ?? '';
    let cached = this.#cache.get(key);
    if (cached && cached.revision === revision) {
      this.#cache.delete(key);
      this.#cache.set(key, cached);
    } else {
      const regionId = storeId === null ? null : await repo.regionOf(storeId);
      const place: Place = { storeId, regionId };
      const promotions = (await repo.promotionsFor(place)).map(({ deleted: _, ...p }) => p as Promotion);
      const keys = (await repo.keys()).map(({ revision: _, ...k }) => k);
      cached = { revision, regionId, promotions, keys };
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      while (this.#cache.size > PRICER_CACHE_STORES) this.#cache.delete(this.#cache.keys().next().value!);
    }
    const entries = await repo.entriesFor({ storeId, regionId: cached.regionId }, skus);
    const prices: PriceEntry[] = entries.map(({ id: _, deleted: __, ...e }) => e);
    return {
      regionId: cached.regionId,
      rules: {
        // The chain's currency is the catalog's (every product is priced in it), as the stores' pages say.
        currency: await this.ctx.services.get(CATALOG_PRODUCTS).currency(q),
        taxRatesPpm: DEFAULT_TAX_RATES_PPM,
        prices,
        promotions: cached.promotions,
        couponKeys: cached.keys,
        revision,
      },
    };
  }

  /** A sku's price at a store (null: online) now — shelf and member — and its book entries still to start there. */
  async skuView(
    sku: string,
    storeId: string | null,
  ): Promise<{
    sku: string;
    catalogPriceMinor: number;
    now: { unitPriceMinor: number; memberPriceMinor: number; bookId: string | null };
    upcoming: PriceBookEntry[];
  }> {
    const at = this.ctx.now();
    const shelf = await this.priceLines({ lines: [{ sku, qty: 1 }], storeId, member: false, at });
    const member = await this.priceLines({ lines: [{ sku, qty: 1 }], storeId, member: true, at });
    const product = (await this.ctx.services.get(CATALOG_PRODUCTS).many([sku], this.ctx.db)).get(sku)!;
    const regionId = storeId === null ? null : await new PricingRulesRepository(this.ctx.db).regionOf(storeId);
    return {
      sku,
      catalogPriceMinor: product.priceMinor,
      now: {
        unitPriceMinor: shelf.lines[0]!.unitPriceMinor,
        memberPriceMinor: member.lines[0]!.unitPriceMinor,
        bookId: shelf.lines[0]!.priceBookId,
      },
      upcoming: await new BooksRepository(this.ctx.db).upcoming({ storeId, regionId }, sku, at),
    };
  }

  async redeem(
    q: Queryable,
    redemptions: Parameters<HubPricer['redeem']>[1],
  ): Promise<{ couponId: string; first: boolean }[]> {
    return recordRedemptions(q, this.ctx, redemptions);
  }

  async release(q: Queryable, couponIds: readonly string[], saleId: string): Promise<string[]> {
    return releaseRedemptions(q, this.ctx, couponIds, saleId);
  }
}
