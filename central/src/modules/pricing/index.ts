import { Router } from 'express';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { PAYMENTS } from '../../kernel/ports/payments.js';
import { PRICING, SALES_BASKETS } from '../../kernel/ports/pricing.js';
import { PriceBooks } from './books.js';
import { Coupons } from './coupons.js';
import { HubPricerService } from './hub-pricer.js';
import { PricingInsights } from './insights.js';
import { Promotions } from './promotions.js';
import { pricingRoutes } from './routes.js';
import { ScanGo } from './scan-go.js';
import { SigningKeys } from './signing-keys.js';
import { StoreRules } from './store-rules.js';
import { pricingGraphql } from './graphql.js';

export type * from './types.js';

/** The module's parts for one hub (several hubs may share this module object in a test process). */
export interface PricingParts {
  readonly books: PriceBooks;
  readonly promotions: Promotions;
  readonly storeRules: StoreRules;
  readonly pricer: HubPricerService;
  readonly keys: SigningKeys;
  readonly coupons: Coupons;
  readonly scanGo: ScanGo;
  readonly insights: PricingInsights;
}
const partsByHub = new WeakMap<HubContext, PricingParts>();
export function pricingParts(ctx: HubContext): PricingParts {
  let p = partsByHub.get(ctx);
  if (!p) {
    const pricer = new HubPricerService(ctx);
    const keys = new SigningKeys(ctx);
    p = {
      books: new PriceBooks(ctx),
      promotions: new Promotions(ctx),
      storeRules: new StoreRules(ctx),
      pricer,
      keys,
      coupons: new Coupons(ctx, keys),
      scanGo: new ScanGo(ctx, pricer, keys),
      insights: new PricingInsights(ctx, pricer),
    };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * Pricing, promotions and Scan & Go (issue #25): price books per chain, region and store with effective dates;
 * promotions (percent and amount off, multi-buy, BOGO, mix-and-match, spend thresholds, member prices, coupons) with
 * stacking rules; single-use coupons signed by the hub and verified offline; one `price()` (shared/src/pricing) used
 * by the stores' lanes and kiosks, carts, orders and Scan & Go; the stores' copy through a `pricing.changed` notice
 * and a pull; Scan & Go exit tokens the door checks offline.
 */
export const hubModule: HubModule = {
  name: 'pricing',
  migrations: new URL('./schema/', import.meta.url),
  needs: [CATALOG_PRODUCTS],
  // optional: without payments Scan & Go refuses checkouts; without the sales ledger there is no dry run; without
  // the customers module no Scan & Go session opens (no customer can be checked)
  uses: [PAYMENTS, SALES_BASKETS, CUSTOMER_DIRECTORY],
  provides: (ctx) => [provide(PRICING, pricingParts(ctx).pricer)],
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [
      { path: 'pricing', title: 'Prices', script: 'pricing.js', roles: ['ADMIN'] },
      { path: 'promotions', title: 'Promotions', script: 'promotions.js', roles: ['ADMIN'] },
    ],
  },
  graphql: (ctx) => pricingGraphql(ctx, pricingParts(ctx).pricer),
  routes(ctx) {
    const r = Router();
    r.use(pricingRoutes(pricingParts(ctx), ctx));
    return r;
  },
  eventHandlers: (ctx) => ({
    'coupon.redeemed': pricingParts(ctx).coupons.redeemedHandler(),
    'scango.exited': pricingParts(ctx).scanGo.exitedHandler(),
  }),
  bootstrap: (ctx) => ({ pricing: pricingParts(ctx).storeRules.bootstrap() }),
  async start(ctx) {
    const p = pricingParts(ctx);
    await p.keys.start();
    await p.scanGo.start();
    p.insights.defineJobs(); // every hub runs dry runs, not only one that served a route first
  },
  async stop(ctx) {
    const p = partsByHub.get(ctx);
    if (!p) return;
    await p.keys.stop();
  },
};
