import type { Benchmark, Figure } from '../figure.js';
import { pricingEngineFigures } from './pricing-engine.js';
import { pricingFeedFigures } from './pricing-feed.js';

/** Issue #25's benchmark: the engine's throughput, then a price change reaching the fleet. */
export const pricingBench: Benchmark = {
  name: 'pricing',
  description: 'pricing: 30-line baskets priced per second with 50 promotions; a price change reaching every store',
  async run(): Promise<Figure[]> {
    return [...(await pricingEngineFigures()), ...(await pricingFeedFigures())];
  },
};
