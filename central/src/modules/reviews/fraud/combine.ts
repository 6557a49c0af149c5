import { MANUAL_AT, REJECT_AT, type FraudDecision, type FraudReasonEntry } from '../types.js';

/**
 * One score from every reason (pure): noisy-OR, 1 − Π(1 − wᵢ) — each reason an independent chance that the review is
 * fake, so two medium reasons weigh more than either and no sum passes 1. Routed by MANUAL_AT (0.5) and REJECT_AT
 * (0.85). Two guards besides the arithmetic (rules.ts keeps the weights such that they already hold):
 * - REJECTED needs at least one rule beside the text model and UNVERIFIED (the model alone, or the model and an
 *   unknown purchase, is at most MANUAL_REVIEW: a false positive of the model must reach a person, not vanish);
 * - reasons are kept heaviest first (ties by code), with weights rounded to 3 places — the same input always gives
 *   the same verdict.
 */
export function combine(reasons: readonly FraudReasonEntry[]): {
  readonly score: number;
  readonly decision: FraudDecision;
  readonly reasons: FraudReasonEntry[];
} {
  const kept = reasons
    .filter((r) => r.weight > 0)
    .map((r) => ({ ...r, weight: round3(Math.min(1, r.weight)) }))
    .sort((a, b) => b.weight - a.weight || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  let clean = 1;
  for (const r of kept) clean *= 1 - r.weight;
  const score = round3(1 - clean);
  const hasRule = kept.some((r) => r.code !== 'TEXT_MODEL' && r.code !== 'UNVERIFIED');
  const decision: FraudDecision =
    score >= REJECT_AT && hasRule ? 'REJECTED' : score >= MANUAL_AT ? 'MANUAL_REVIEW' : 'APPROVED';
  return { score, decision, reasons: kept };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
