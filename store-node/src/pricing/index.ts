import { type BasketLine, emptyRules, type PricedBasket, type PricingRules, price } from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import { Router } from 'express';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';
import type { Emit } from '../sync/index.js';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';

export const pricingMigrations = new URL('./schema/', import.meta.url);

/** What the lane, kiosk and Scan & Go door ask of the store's pricing. */
export interface StorePriceRequest {
  readonly member: boolean;
  readonly coupons?: readonly string[];
  /** Default: the store's clock now. */
  readonly at?: number;
}

/**
 * The store's copy of the hub's pricing rules (lane D): price book entries that apply here (future ones too, so a
 * change scheduled while offline takes effect at its time), promotions, the hub's signing keys, the used coupons —
 * kept in SQLite, pulled on `pricing.changed` notices, at start and with backoff; `price()` prices with the shared
 * engine at the store's clock, offline. CONTRACT STUB: prices at catalog prices.
 */
export class StorePricing {
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
  ) {}
  start(): void {}
  stop(): void {}
  /** A `pricing.changed` notice: pull when the copy is older. */
  noticed(_revision: number): void {}
  /** The rules as the engine takes them (cached until the copy changes). */
  rules(): PricingRules {
    return emptyRules(this.settings.currency, this.settings.taxRatesPpm);
  }
  price(lines: readonly BasketLine[], req: StorePriceRequest): PricedBasket {
    return price(lines, this.rules(), {
      at: req.at ?? this.now(),
      storeId: this.settings.storeId,
      regionId: null,
      member: req.member,
      ...(req.coupons ? { coupons: req.coupons } : {}),
      isCouponUsed: () => false,
    });
  }
  /**
   * Records coupons a sale took as used here and emits `coupon.redeemed` for each, inside the sale's
   * `sync.write`/`writeGrouped` (the caller's emit): the next basket at this store refuses them at once.
   */
  redeem(
    _emit: Emit,
    _redemptions: readonly {
      couponId: string;
      promotionId: string;
      saleId: string;
      saleNumber?: string;
      discountMinor: number;
      at: number;
    }[],
  ): void {}
}

/** The hub's `pricing.changed {revision}` notice. */
export function registerPricingFeed(_feed: FeedHandlerRegistry, _pricing: StorePricing): void {}

/** The sink of the hub's `pricing` cold-start section. */
export function pricingSink(_pricing: StorePricing): BootstrapSink {
  return () => {};
}

/** `/api/pricing/*` on the store node (who may call each: the report lists the rows). */
export function pricingRoutes(_pricing: StorePricing): Router {
  return Router();
}
