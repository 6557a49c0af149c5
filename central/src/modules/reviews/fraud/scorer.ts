import type { Queryable } from '../../../db/db.js';
import type { ReviewModels } from '../models.js';
import { notBuilt } from '../not-built.js';
import type { FraudInput, FraudVerdict } from '../types.js';

/**
 * Scores a review on submit and edit (lane D), well under 500 ms: the rules (rules.ts — bursts per address and device,
 * new accounts with many reviews, rating patterns, a product's burst of extreme ratings, near-duplicate text of another
 * customer's review by MinHash/LSH, no known purchase) and the text model's probability (`ReviewModels`), combined
 * into one score 0..1 that routes the review (MANUAL_AT, REJECT_AT in types.ts), with every reason kept.
 */
export class FraudScorer {
  constructor(readonly models: ReviewModels) {}

  /** Scores `input`, reading what the rules need through `q` (the submit's transaction). */
  async score(_q: Queryable, _input: FraudInput): Promise<FraudVerdict> {
    return notBuilt('FraudScorer.score');
  }

  /** Keeps a stored review's signature and LSH buckets (replacing an edited review's), in the caller's transaction. */
  async remember(_tx: Queryable, _reviewId: string, _customerId: string, _signature: Uint32Array): Promise<void> {
    return notBuilt('FraudScorer.remember');
  }
}
