/**
 * Item-item collaborative filtering ("bought together"): two items are similar when the same users have both.
 * Similarity is the cosine of their user columns with shrinkage,
 *   sim(i, j) = Σ_u w_ui·w_uj / (‖w_i‖·‖w_j‖ + shrink),
 * which pulls pairs seen together by few users towards 0. Only each item's top k are kept.
 *
 * Sparse throughout: for item i it walks the users who have i and the items those users have, accumulating into one
 * reused dense row — O(Σ_u n_u²) work, O(items·k) memory, never an items × items matrix.
 */
import type { InteractionMatrix } from './matrix.js';
import { transpose } from './matrix.js';
import { keepBest, type Neighbours } from './neighbours.js';

export type { Neighbours } from './neighbours.js';

export interface ItemKnnOptions {
  /** Neighbours kept per item. */
  readonly k: number;
  /** Added to the cosine's denominator; 0 is the plain cosine. */
  readonly shrink: number;
  /**
   * Users with more items than this add nothing to the co-occurrence: their pairs grow with the square of their
   * history (a reseller's account), and they say little about what goes together. Default 1,000.
   */
  readonly maxItemsPerUser?: number;
  /** Checked between items; once aborted the computation throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Chosen on synthetic taste-cluster data (not on any test split); the hub keeps the top 20 of these. */
export const ITEM_KNN_DEFAULTS = { k: 50, shrink: 10 } as const;

/** Each item's k nearest items by co-occurrence cosine (see the file's comment). */
export function itemNeighbours(m: InteractionMatrix, opts: ItemKnnOptions): Neighbours {
  const k = Math.floor(opts.k);
  if (!(k >= 1 && k <= 1000)) throw new RangeError(`k ${opts.k} is not in 1..1000`);
  if (!(opts.shrink >= 0)) throw new RangeError(`shrink ${opts.shrink} is negative`);
  const maxItems = opts.maxItemsPerUser ?? 1000;
  const byItem = transpose(m);
  const norm = new Float64Array(m.nItems);
  for (let i = 0; i < m.nItems; i++) {
    let s = 0;
    for (let p = byItem.rowPtr[i]!; p < byItem.rowPtr[i + 1]!; p++) s += byItem.vals[p]! * byItem.vals[p]!;
    norm[i] = Math.sqrt(s);
  }
  const nb = { k, items: new Int32Array(m.nItems * k), scores: new Float32Array(m.nItems * k) };
  const acc = new Float64Array(m.nItems);
  const touched = new Int32Array(m.nItems);
  for (let i = 0; i < m.nItems; i++) {
    if (opts.signal?.aborted) opts.signal.throwIfAborted();
    let count = 0;
    for (let p = byItem.rowPtr[i]!; p < byItem.rowPtr[i + 1]!; p++) {
      const u = byItem.cols[p]!;
      const start = m.rowPtr[u]!;
      const end = m.rowPtr[u + 1]!;
      if (end - start > maxItems) continue;
      const wi = byItem.vals[p]!;
      for (let q = start; q < end; q++) {
        const j = m.cols[q]!;
        if (j === i) continue;
        if (acc[j] === 0) touched[count++] = j;
        acc[j]! += wi * m.vals[q]!;
      }
    }
    for (let t = 0; t < count; t++) {
      const j = touched[t]!;
      acc[j] = acc[j]! / (norm[i]! * norm[j]! + opts.shrink);
    }
    keepBest(nb, i, touched, count, acc);
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
  }
  return nb;
}

/**
 * Item-kNN scores for user u: each item's summed similarity to the items u has (an item scores 0 when it is no
 * one's neighbour of u's items). Into `out` when given (length nItems).
 */
export function knnScoresForUser(m: InteractionMatrix, nb: Neighbours, u: number, out?: Float32Array): Float32Array {
  const scores = out ?? new Float32Array(m.nItems);
  scores.fill(0);
  for (let p = m.rowPtr[u]!; p < m.rowPtr[u + 1]!; p++) {
    const base = m.cols[p]! * nb.k;
    for (let s = base; s < base + nb.k; s++) {
      const j = nb.items[s]!;
      if (j < 0) break;
      scores[j]! += nb.scores[s]!;
    }
  }
  return scores;
}
