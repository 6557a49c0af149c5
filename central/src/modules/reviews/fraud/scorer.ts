import type { Queryable } from '../../../db/db.js';
import type { ReviewModels } from '../models.js';
import type { FraudInput, FraudVerdict } from '../types.js';
import { combine } from './combine.js';
import { lshBuckets, minhash } from './minhash.js';
import { evaluateRules, reviewText, textModelReason } from './rules.js';
import { FraudRulesRepository } from './rules-repository.js';

/** What scoring asks of the text model (ReviewModels, or a stand-in in tests and benches). */
export type TextModel = Pick<ReviewModels, 'probability'>;

/**
 * Scores a review on submit and edit (lane D), well under 500 ms: the rules (rules.ts — bursts per address and device,
 * new accounts with many reviews, rating patterns, a product's burst of extreme ratings, near-duplicate text of another
 * customer's review by MinHash/LSH, no known purchase) and the text model's probability (`ReviewModels`), combined
 * into one score 0..1 that routes the review (MANUAL_AT, REJECT_AT in types.ts), with every reason kept. The weights'
 * table is in rules.ts.
 */
export class FraudScorer {
  #instead: ((input: FraudInput) => FraudVerdict) | null = null;

  constructor(readonly models: TextModel) {}

  /** Scores `input`, reading what the rules need through `q` (the submit's transaction). */
  async score(q: Queryable, input: FraudInput): Promise<FraudVerdict> {
    if (this.#instead) return this.#instead(input);
    const text = reviewText(input);
    const signature = minhash(text);
    const reasons = await evaluateRules(new FraudRulesRepository(q), input, signature);
    const model = this.models.probability(text);
    const said = model ? textModelReason(model.p) : null;
    if (said) reasons.push(said);
    const { score, decision, reasons: sorted } = combine(reasons);
    return { score, decision, reasons: sorted, modelVersion: model?.version ?? null, signature };
  }

  /** Keeps a stored review's signature and LSH buckets (replacing an edited review's), in the caller's transaction. */
  async remember(tx: Queryable, reviewId: string, customerId: string, signature: Uint32Array): Promise<void> {
    await new FraudRulesRepository(tx).remember(reviewId, customerId, signature, lshBuckets(signature));
  }

  /**
   * The benchmark's seam: while set, `score` answers `verdict(input)` and reads nothing (the reviews-score anchor
   * measures submits with a constant APPROVED scorer). `null` restores scoring. Not for production code.
   */
  replaceScoring(verdict: ((input: FraudInput) => FraudVerdict) | null): void {
    this.#instead = verdict;
  }
}

/** The anchor's constant scorer: APPROVED, no reason, no model, no signature (nothing is remembered). */
export function constantApproved(): FraudVerdict {
  return { score: 0, decision: 'APPROVED', reasons: [], modelVersion: null, signature: new Uint32Array(0) };
}
