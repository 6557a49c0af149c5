import { definePort } from '../ports.js';
import type { InteractionSink } from './recommendations.js';

/**
 * The purchases that give a review its verified-purchase badge (issue #24): the same PURCHASE interactions the orders
 * and sales modules hand recommendations (a confirmed online order, a sale at a lane with the customer's card), told
 * to the reviews module in the same transaction. Entries of another kind are ignored; a purchase told twice (same
 * source, sourceRef and sku) counts once.
 */
export const REVIEW_PURCHASES = definePort<InteractionSink>(
  'reviews.purchases',
  'the purchases that give a review its verified-purchase badge',
);

/**
 * One sink telling each present sink in turn, in the caller's transaction (a throw stops the rest and is the caller's:
 * the orders and sales modules run the call in a savepoint). Undefined when no sink is present.
 */
export function everySink(...sinks: readonly (InteractionSink | undefined)[]): InteractionSink | undefined {
  const present = sinks.filter((s): s is InteractionSink => s !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return {
    async record(q, interactions) {
      for (const s of present) await s.record(q, interactions);
    },
  };
}
