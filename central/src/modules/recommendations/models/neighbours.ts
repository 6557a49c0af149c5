/**
 * Top-k neighbour lists per item, fixed width: item i's neighbours are `items[i*k .. i*k+k)` best first, with their
 * similarities in `scores`; unused slots hold −1 (and score 0). Item-kNN ("bought together") and content similarity
 * both produce this shape, and the hub stores it as recs_product_neighbours.
 */
export interface Neighbours {
  readonly k: number;
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/** Item i's neighbours as (item, score) pairs, best first, without the empty slots. */
export function neighboursOf(nb: Neighbours, i: number): { item: number; score: number }[] {
  const out: { item: number; score: number }[] = [];
  for (let s = i * nb.k; s < (i + 1) * nb.k; s++) {
    const j = nb.items[s]!;
    if (j < 0) break;
    out.push({ item: j, score: nb.scores[s]! });
  }
  return out;
}

/**
 * Collects, per item, the k best of the candidates an accumulator touched: `touched[0..count)` are candidate items
 * with their similarity in `sims[item]`. Ties go to the lower item index. Writes row i of `nb`.
 */
export function keepBest(
  nb: { k: number; items: Int32Array; scores: Float32Array },
  i: number,
  touched: Int32Array,
  count: number,
  sims: Float64Array,
): void {
  const { k } = nb;
  const base = i * k;
  let size = 0;
  // Insertion into a short sorted row: k is small (20–200) and most candidates fall below the k-th at once.
  for (let t = 0; t < count; t++) {
    const j = touched[t]!;
    // Compared as stored (float32), so equal similarities tie exactly and go to the lower index.
    const s = Math.fround(sims[j]!);
    if (!(s > 0)) continue;
    if (size === k) {
      const lastS = nb.scores[base + k - 1]!;
      const lastJ = nb.items[base + k - 1]!;
      if (s < lastS || (s === lastS && j > lastJ)) continue;
    }
    let pos = size < k ? size++ : k - 1;
    while (pos > 0) {
      const ps = nb.scores[base + pos - 1]!;
      const pj = nb.items[base + pos - 1]!;
      if (ps > s || (ps === s && pj < j)) break;
      nb.scores[base + pos] = ps;
      nb.items[base + pos] = pj;
      pos--;
    }
    nb.scores[base + pos] = s;
    nb.items[base + pos] = j;
  }
  for (let s = size; s < k; s++) {
    nb.items[base + s] = -1;
    nb.scores[base + s] = 0;
  }
}
