import type { PricedBasket } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { HubPricer } from '../../kernel/ports/pricing.js';

/**
 * The hub's pricer (lane B): the catalog's products + the rules effective for the store (its books, its region's,
 * the chain's; its promotions; the signing keys; the used coupons) through the shared `price()`. Keeps the rules it
 * built per store, dropped when the revision moves. Provides the PRICING port. CONTRACT STUB.
 */
export class HubPricerService implements HubPricer {
  constructor(readonly ctx: HubContext) {}
  async priceLines(_input: Parameters<HubPricer['priceLines']>[0], _q?: Queryable): Promise<PricedBasket> {
    throw new Error('not built');
  }
  async redeem(
    _q: Queryable,
    _redemptions: Parameters<HubPricer['redeem']>[1],
  ): Promise<{ couponId: string; first: boolean }[]> {
    throw new Error('not built');
  }
}
