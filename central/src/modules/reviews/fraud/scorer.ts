import type { Queryable } from '../../../db/db.js';
import type { ReviewModels } from '../models.js';
import { ReviewsRepository } from '../reviews-repository.js';
import type { FraudInput, FraudReasonEntry, FraudVerdict, ReviewFraudReason } from '../types.js';
import { combine } from './combine.js';
import { lshBuckets, minhash } from './minhash.js';
import { BURST_WINDOW_MS, evaluateRules, reviewText, textModelReason } from './rules.js';
import { FraudRulesRepository } from './rules-repository.js';

/** What scoring asks of the text model (ReviewModels, or a stand-in in tests and benches). */
export type TextModel = Pick<ReviewModels, 'probability'>;

/** The reasons that make the other members of a burst, or the copied original, suspects too. */
const HOLDING: ReadonlySet<ReviewFraudReason> = new Set(['IP_BURST', 'DEVICE_BURST', 'NEAR_DUPLICATE']);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Scores a review on submit and edit (lane D), well under 500 ms: the rules (rules.ts — bursts per address and device,
 * new accounts with many reviews, rating patterns, a product's burst of extreme ratings, near-duplicate text of another
 * customer's review by MinHash/LSH, no known purchase) and the text model's probability (`ReviewModels`), combined
 * into one score 0..1 that routes the review (MANUAL_AT, REJECT_AT in types.ts), with every reason kept. The weights'
 * table is in rules.ts. A bench or a test that wants other scoring subclasses it and hands the subclass in.
 */
export class FraudScorer {
  constructor(readonly models: TextModel) {}

  /**
   * Scores `input`, reading what the rules need through `q` (the submit's transaction); takes the advisory locks of
   * the client address, device and text buckets first (held until the transaction ends, see rules.ts).
   */
  async score(q: Queryable, input: FraudInput): Promise<FraudVerdict> {
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
   * After the review `reviewId` is stored with `verdict` (in the same transaction, `tx`): when IP_BURST or
   * DEVICE_BURST fired, the burst's other APPROVED reviews (first written from the same address or device within the
   * hour before this one) go to MANUAL_REVIEW; when NEAR_DUPLICATE fired, so does the copied original if it is
   * APPROVED — each with a reason appended naming this review, and its score recombined. Earlier members looked like
   * anyone's when they came; a burst is only seen once it is one. Returns the ids held, ascending. Rows are changed
   * through ReviewsRepository.changeStatus (summary and store feed kept current): `reviews`, when given, is the
   * caller's repository on `tx` (one made with `deferTotals` keeps the summary moves for its `flushTotals`, called
   * after this); else one of its own, moving the summaries at once.
   */
  async holdAccomplices(
    tx: Queryable,
    reviewId: string,
    verdict: FraudVerdict,
    reviews: ReviewsRepository = new ReviewsRepository(tx),
  ): Promise<string[]> {
    const fired = verdict.reasons.filter((r) => HOLDING.has(r.code));
    if (fired.length === 0) return [];
    const rules = new FraudRulesRepository(tx);
    const self = await rules.source(reviewId);
    if (!self) return [];
    const since = self.at - BURST_WINDOW_MS;
    const held = new Map<string, FraudReasonEntry[]>();
    const add = (id: string, r: FraudReasonEntry) => held.set(id, [...(held.get(id) ?? []), r]);
    for (const r of fired) {
      if (r.code === 'IP_BURST' && self.ip) {
        for (const id of await rules.approvedFromIp(self.ip, since, reviewId))
          add(id, { code: r.code, weight: r.weight, detail: `Held with review ${reviewId}: ${r.detail}` });
      } else if (r.code === 'DEVICE_BURST' && self.deviceId) {
        for (const id of await rules.approvedFromDevice(self.deviceId, since, reviewId))
          add(id, { code: r.code, weight: r.weight, detail: `Held with review ${reviewId}: ${r.detail}` });
      } else if (r.code === 'NEAR_DUPLICATE') {
        const original = UUID.exec(r.detail)?.[0]?.toLowerCase();
        if (original && original !== reviewId)
          add(original, {
            code: r.code,
            weight: r.weight,
            detail: `Review ${reviewId} by another customer is a near-copy of this one (which came first is for the moderator)`,
          });
      }
    }
    const out: string[] = [];
    for (const id of [...held.keys()].sort()) {
      const now = await rules.reasonsOf(id);
      if (now?.status !== 'APPROVED') continue;
      const added = held.get(id)!.filter((r, i, all) => all.findIndex((x) => x.code === r.code) === i);
      const kept = now.reasons.filter((r) => !added.some((a) => a.code === r.code));
      const { score, reasons } = combine([...kept, ...added]);
      await reviews.changeStatus(id, 'MANUAL_REVIEW', self.at);
      await rules.setReasons(id, score, reasons);
      out.push(id);
    }
    return out;
  }
}
