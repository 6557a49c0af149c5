import {
  ConflictError,
  type BasketLine,
  type CouponRefusal,
  couponIdOf,
  isValidGtin,
  type PricedBasket,
  type PriceEntry,
  type PricingRules,
  type Promotion,
  price,
  pricingEventSchemas,
  readCoupon,
  toGtin14,
} from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';
import type { Emit } from '../sync/index.js';
import { PricingPuller } from './pricing-puller.js';
import { type PricingCounts, type PricingProduct, PricingRepository } from './pricing-repository.js';

/** What the lane, kiosk and Scan & Go door ask of the store's pricing. */
export interface StorePriceRequest {
  readonly member: boolean;
  readonly coupons?: readonly string[];
  /** Default: the store's clock now. */
  readonly at?: number;
}

/** A coupon redeemed by a sale here. */
export interface StoreRedemption {
  couponId: string;
  promotionId: string;
  saleId: string;
  saleNumber?: string;
  discountMinor: number;
  at: number;
}

/** `GET /api/pricing/status`. */
export interface StorePricingStatus {
  readonly revision: number;
  readonly wanted: number;
  readonly regionId: string | null;
  readonly currency: string;
  /** The hub's currency when it differs from the store's (a configuration to fix), else null. */
  readonly hubCurrency: string | null;
  readonly lastPullAt: number | null;
  readonly pulling: boolean;
  readonly hubReachable: boolean;
  readonly lastError: string | null;
  readonly refusedRows: number;
  readonly counts: PricingCounts;
}

/** A sale's coupon was used meanwhile (another sale here took it, or the hub said so): the sale must not record it. */
export class CouponUsedError extends ConflictError {
  constructor(readonly couponIds: readonly string[]) {
    super(`coupon ${couponIds.join(', ')} has been used meanwhile`, { couponIds: [...couponIds] });
  }
}

/** `POST /api/pricing/coupons/check`: the verdict offline. */
export interface CouponVerdict {
  readonly code: string;
  readonly couponId: string | null;
  readonly status: 'VALID' | CouponRefusal;
  readonly promotionId: string | null;
  readonly promotionName: string | null;
  readonly expiresAt: number | null;
  readonly message: string;
}

/** `GET /api/pricing/skus/:sku`. */
export interface SkuPriceView {
  readonly sku: string;
  readonly name: string;
  readonly at: number;
  readonly catalogPriceMinor: number;
  readonly unitPriceMinor: number;
  readonly memberPriceMinor: number;
  readonly bookId: string | null;
  /** Promotions running here now that name the sku or its category. */
  readonly promotions: readonly {
    id: string;
    name: string;
    kind: string;
    to: number | null;
    membersOnly: boolean;
    couponRequired: boolean;
  }[];
  /** Entries of the sku that start later (a scheduled change). */
  readonly upcoming: readonly PriceEntry[];
}

/**
 * The store's copy of the hub's pricing rules (lane D): price book entries that apply here (future ones too, so a
 * change scheduled while offline takes effect at its time), promotions, the hub's signing keys, the used coupons —
 * kept in SQLite (PricingRepository), pulled on `pricing.changed` notices, at start and with backoff (PricingPuller);
 * `price()` prices with the shared engine at the store's clock, the store's region, offline. The rules are read from
 * SQLite once and cached until the copy changes (a lane prices on every scan).
 */
export class StorePricing {
  readonly repo: PricingRepository;
  readonly puller: PricingPuller;
  #rules: PricingRules | undefined;
  #regionId: string | null = null;

  constructor(
    readonly db: SqliteDb,
    readonly hubGet: HubGet | undefined,
    readonly log: SyncLogger,
    readonly now: () => number,
    readonly settings: {
      readonly storeId: string | null;
      readonly currency: string;
      readonly taxRatesPpm: Readonly<Record<string, number>>;
    },
  ) {
    this.repo = new PricingRepository(db);
    this.puller = new PricingPuller(this.repo, hubGet, log, now, () => this.changed());
  }

  start(): void {
    this.puller.start();
  }
  stop(): void {
    this.puller.stop();
  }

  /** A `pricing.changed` notice: pull when the copy is older. */
  noticed(revision: number): void {
    if (revision > this.repo.state().revision) this.puller.noticed(revision);
  }

  /** The copy changed (a page, a cold start): the next `rules()` reads it again. */
  changed(): void {
    this.#rules = undefined;
  }

  /** The rules as the engine takes them (cached until the copy changes). */
  rules(): PricingRules {
    if (this.#rules === undefined) {
      const s = this.repo.state();
      this.#regionId = s.regionId;
      this.#rules = {
        currency: this.settings.currency,
        taxRatesPpm: this.settings.taxRatesPpm,
        prices: this.repo.entries(),
        promotions: this.repo.promotions(),
        couponKeys: this.repo.keys(),
        revision: this.repo.maxRevision(),
      };
    }
    return this.#rules;
  }

  /** The store's region as the hub last said (null: none). */
  regionId(): string | null {
    this.rules();
    return this.#regionId;
  }

  price(lines: readonly BasketLine[], req: StorePriceRequest): PricedBasket {
    const rules = this.rules();
    return price(lines, rules, {
      at: req.at ?? this.now(),
      storeId: this.settings.storeId,
      regionId: this.#regionId,
      member: req.member,
      ...(req.coupons ? { coupons: req.coupons } : {}),
      isCouponUsed: (id) => this.repo.isUsed(id),
    });
  }

  /**
   * Records coupons a sale took as used here (refusing with CouponUsedError, and recording none, when one is used
   * already: another lane's sale took it meanwhile, or the hub's list says so) and emits `coupon.redeemed` for each, inside the sale's
   * `sync.write`/`writeGrouped` (the caller's emit): the next basket at this store refuses them at once. A payload the
   * shared schema refuses throws (the caller's transaction then records nothing).
   */
  redeem(emit: Emit, redemptions: readonly StoreRedemption[]): void {
    // Checked and recorded in the caller's one transaction: two lanes' sales cannot both take one coupon.
    const taken = redemptions.filter((r) => this.repo.isUsed(r.couponId)).map((r) => r.couponId);
    if (taken.length) throw new CouponUsedError(taken);
    for (const r of redemptions) {
      const payload = pricingEventSchemas['coupon.redeemed'].parse({
        couponId: r.couponId,
        promotionId: r.promotionId,
        saleId: r.saleId,
        ...(r.saleNumber !== undefined ? { saleNumber: r.saleNumber } : {}),
        discountMinor: r.discountMinor,
        at: r.at,
      });
      this.repo.putUsedHere(payload.couponId, payload.saleId, payload.at);
      emit('coupon.redeemed', payload);
    }
  }

  /** A product of the store's catalog by sku, or by a scanned GTIN (as the POS finds it). */
  product(code: string): PricingProduct | undefined {
    return this.repo.product(code, isValidGtin(code) ? toGtin14(code) : undefined);
  }

  /** The engine's line for a catalog product. */
  line(p: PricingProduct, qty: number): BasketLine {
    return {
      sku: p.sku,
      qty,
      catalogPriceMinor: p.priceMinor,
      taxClass: p.taxClass,
      category: p.category,
      name: p.name,
    };
  }

  status(): StorePricingStatus {
    const s = this.repo.state();
    const pull = this.puller.status();
    return {
      revision: s.revision,
      wanted: s.wanted,
      regionId: s.regionId,
      currency: this.settings.currency,
      hubCurrency: s.currency !== null && s.currency !== this.settings.currency ? s.currency : null,
      lastPullAt: s.pulledAt,
      pulling: pull.pulling,
      hubReachable: this.hubGet !== undefined && s.pulledAt !== null && pull.lastError === null,
      lastError: pull.lastError,
      refusedRows: s.refused,
      counts: this.repo.counts(),
    };
  }

  /** Whether a promotion runs at this store (no stores or regions named: everywhere). */
  runsHere(p: Promotion): boolean {
    const stores = p.storeIds ?? [];
    const regions = p.regionIds ?? [];
    if (stores.length === 0 && regions.length === 0) return true;
    const regionId = this.regionId();
    return (
      (this.settings.storeId !== null && stores.includes(this.settings.storeId)) ||
      (regionId !== null && regions.includes(regionId))
    );
  }

  /**
   * A coupon's verdict offline, as `price()` gives it (the engine's own coupon step, through a basket with no lines):
   * signature and key, expiry, used (here or heard from the hub), its promotion running here now, members only
   * (`member`: a loyalty card shown), coupon required. VALID means the coupon applies once the basket qualifies.
   */
  checkCoupon(raw: string, at = this.now(), member = false): CouponVerdict {
    const code = raw.trim();
    const rules = this.rules();
    const claims = readCoupon(code);
    const outcome = this.price([], { member, coupons: [code], at }).coupons[0];
    const couponId = outcome?.couponId ?? (claims ? couponIdOf(claims) : null);
    const promotion = claims ? rules.promotions.find((p) => p.id === claims.promotionId) : undefined;
    // With no lines, a coupon the engine accepted is reported NOT_APPLICABLE ("nothing qualifies yet") for a promotion
    // that requires one; a promotion that does not require one is NOT_APPLICABLE for the coupon itself.
    const accepted =
      outcome !== undefined &&
      (outcome.status === 'APPLIED' || (outcome.refusal === 'NOT_APPLICABLE' && promotion?.couponRequired === true));
    return {
      code,
      couponId,
      status: accepted ? 'VALID' : (outcome?.refusal ?? 'MALFORMED'),
      promotionId: promotion?.id ?? claims?.promotionId ?? null,
      promotionName: promotion?.name ?? null,
      expiresAt: claims?.expiresAt ?? null,
      message: accepted ? `valid: ${promotion!.name}` : (outcome?.message ?? 'this is not a coupon'),
    };
  }

  /** The effective price of a product here now, its member price, the promotions naming it, scheduled changes. */
  skuPrice(p: PricingProduct, at = this.now()): SkuPriceView {
    const shelf = this.price([this.line(p, 1)], { member: false, at }).lines[0]!;
    const member = this.price([this.line(p, 1)], { member: true, at }).lines[0]!;
    const rules = this.rules();
    const promotions = rules.promotions
      .filter((x) => x.from <= at && (x.to === null || x.to > at) && this.runsHere(x))
      .filter((x) => {
        const t = x.rule.target;
        if (t === undefined) return true; // a spend threshold on the whole basket
        return (t.skus ?? []).includes(p.sku) || (t.categories ?? []).includes(p.category);
      })
      .map((x) => ({
        id: x.id,
        name: x.name,
        kind: x.rule.kind,
        to: x.to,
        membersOnly: x.membersOnly ?? false,
        couponRequired: x.couponRequired ?? false,
      }));
    return {
      sku: p.sku,
      name: p.name,
      at,
      catalogPriceMinor: p.priceMinor,
      unitPriceMinor: shelf.unitPriceMinor,
      memberPriceMinor: member.unitPriceMinor,
      bookId: shelf.priceBookId,
      promotions,
      upcoming: this.repo.entriesOf(p.sku).filter((e) => e.from > at),
    };
  }
}
