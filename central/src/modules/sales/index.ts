import type { HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { SALES_BASKETS } from '../../kernel/ports/pricing.js';
import { RECS_INTERACTIONS } from '../../kernel/ports/recommendations.js';
import { everySink, REVIEW_PURCHASES } from '../../kernel/ports/reviews.js';
import { SalesBasketsReader } from './baskets.js';
import { salePurchaseRecorder } from './purchases.js';
import { SalesRepository } from './repository.js';
import { salesRoutes } from './routes.js';
import { SalesService } from './service.js';

export type {
  DailyTotals,
  SaleDetail,
  SaleLookup,
  SaleRecord,
  ReturnRecord,
  ReturnStatus,
  SaleStatus,
} from './types.js';

/**
 * The fleet's sales ledger from every store's `sale.completed`, `sale.voided` and `sale.returned` events, with daily
 * totals per store and local day (sales, gross, tax, returns, voids, net) kept as the events apply, and a console page.
 */
export const hubModule: HubModule = {
  name: 'sales',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [
      { path: 'sales-overview', title: 'Sales overview', script: 'overview.js', roles: ['ADMIN', 'STORE_MANAGER'] },
      { path: 'sales', title: 'Sales', script: 'sales.js', roles: ['ADMIN', 'STORE_MANAGER'] },
    ],
  },
  routes: (ctx) => salesRoutes(new SalesService(() => new SalesRepository(ctx.db), ctx.now), ctx.db),
  // Optional: a sale with a customer's card is their purchase for recommendations and reviews' verified badge when
  // the hub has those modules and customers.
  uses: [CUSTOMER_DIRECTORY, RECS_INTERACTIONS, REVIEW_PURCHASES],
  // completed sales as baskets, for pricing's dry run of a promotion (#25)
  provides: () => [provide(SALES_BASKETS, new SalesBasketsReader())],
  eventHandlers: (ctx) => {
    const purchases = salePurchaseRecorder({
      sink: () => everySink(ctx.services.find(RECS_INTERACTIONS), ctx.services.find(REVIEW_PURCHASES)),
      customers: () => ctx.services.find(CUSTOMER_DIRECTORY),
      now: ctx.now,
      log: ctx.log,
    });
    const service = new SalesService(() => new SalesRepository(ctx.db), ctx.now, purchases);
    return {
      'sale.completed': (tx, events) => service.applyCompleted(new SalesRepository(tx), events),
      'sale.voided': (tx, events) => service.applyVoided(new SalesRepository(tx), events),
      'sale.returned': (tx, events) => service.applyReturned(new SalesRepository(tx), events),
    };
  },
};
