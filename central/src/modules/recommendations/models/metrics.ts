/**
 * Top-k ranking metrics with binary relevance (an item is relevant when it is in the user's held-out set), averaged
 * over the users that have held-out items:
 *   P@k    = hits / k
 *   R@k    = hits / |test|
 *   nDCG@k = Σ_{hits at rank r (0-based)} 1/log₂(r + 2)  ÷  Σ_{r < min(k, |test|)} 1/log₂(r + 2)
 * A list shorter than k counts its missing places as misses; items past k are ignored.
 */
export interface RankingMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly ndcg: number;
  /** Users evaluated. */
  readonly users: number;
}

/**
 * `recommend(u, k)` returns user u's ranked items (best first, training items already excluded by the caller).
 * Users are visited in ascending order, so a recommender with state gives the same figures on every run.
 */
export function evaluateAtK(
  recommend: (u: number, k: number) => ArrayLike<number>,
  test: ReadonlyMap<number, ReadonlySet<number>>,
  k: number,
): RankingMetrics {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k ${k} is not a positive integer`);
  const discount = Array.from({ length: k }, (_, r) => 1 / Math.log2(r + 2));
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let users = 0;
  for (const u of [...test.keys()].sort((a, b) => a - b)) {
    const relevant = test.get(u)!;
    if (relevant.size === 0) continue;
    const ranked = recommend(u, k);
    let hits = 0;
    let dcg = 0;
    const seen = new Set<number>();
    for (let r = 0; r < Math.min(k, ranked.length); r++) {
      const item = ranked[r]!;
      // An item listed twice counts once.
      if (seen.has(item)) continue;
      seen.add(item);
      if (relevant.has(item)) {
        hits++;
        dcg += discount[r]!;
      }
    }
    let ideal = 0;
    for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += discount[r]!;
    precision += hits / k;
    recall += hits / relevant.size;
    ndcg += dcg / ideal;
    users++;
  }
  const mean = (x: number) => (users ? x / users : 0);
  return { precision: mean(precision), recall: mean(recall), ndcg: mean(ndcg), users };
}
