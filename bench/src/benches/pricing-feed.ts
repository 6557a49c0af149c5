import type { Figure } from '../figure.js';

/**
 * `pricing` part 2 (lane B): the cost of a price change reaching 5,000 stores (`BENCH_STORES`): feed rows written and
 * seconds until every store's pull holds it, against the anchor (a copy of the change in every store's feed) in the
 * same run. CONTRACT STUB.
 */
export async function pricingFeedFigures(): Promise<Figure[]> {
  return [];
}
