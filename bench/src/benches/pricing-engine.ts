import type { Figure } from '../figure.js';

/**
 * `pricing` part 1 (lane A): baskets of 30 lines priced per second with 50 active promotions on one core
 * (`baskets_per_s`, goal ≥ 20,000/s), against the anchor measured in the same run on the same baskets. CONTRACT STUB.
 */
export async function pricingEngineFigures(): Promise<Figure[]> {
  return [];
}
