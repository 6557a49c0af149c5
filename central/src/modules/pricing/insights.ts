import type { HubContext } from '../../kernel/module-contract.js';
import type { HubPricerService } from './hub-pricer.js';

/**
 * For the console (lane G): which skus a price book change or a promotion touches (with their prices before and
 * after), and a promotion's dry run against last week's completed baskets (SALES_BASKETS): baskets it would have
 * applied to, what it would have cost, the biggest discounts. CONTRACT STUB.
 */
export class PricingInsights {
  constructor(
    readonly ctx: HubContext,
    readonly pricer: HubPricerService,
  ) {}
}
