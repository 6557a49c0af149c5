/**
 * Popularity, the cold-start fallback and the baseline every model must beat: per item, the summed interaction
 * weights ('weight', what the hub's popular lists use: a purchase counts more than a view) or the number of distinct
 * users ('users').
 */
import type { InteractionMatrix } from './matrix.js';

export function popularity(m: InteractionMatrix, by: 'weight' | 'users' = 'weight'): Float32Array {
  const out = new Float32Array(m.nItems);
  for (let p = 0; p < m.cols.length; p++) out[m.cols[p]!]! += by === 'weight' ? m.vals[p]! : 1;
  return out;
}
