/** The n best entries of a score vector, best first, as item indices and their scores. */
export interface TopN {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/**
 * Indices of the `n` highest scores, best first; ties go to the lower index so the answer is the same on every run.
 * `exclude(i)` true leaves item i out (what the user already has, the anchor itself); NaN scores are left out.
 * Fewer than n come back when fewer items are eligible. O(items · log n) with a bounded heap, no full sort.
 */
export function topN(scores: Float32Array, n: number, exclude?: (i: number) => boolean): TopN {
  const cap = Math.max(0, Math.min(Math.floor(n), scores.length));
  // A min-heap on (score, −index): the root is the worst kept entry, replaced when something better comes.
  const heapItems = new Int32Array(cap);
  const heapScores = new Float64Array(cap);
  let size = 0;
  const worse = (a: number, b: number) =>
    heapScores[a]! < heapScores[b]! || (heapScores[a] === heapScores[b] && heapItems[a]! > heapItems[b]!);
  const swap = (a: number, b: number) => {
    const i = heapItems[a]!;
    heapItems[a] = heapItems[b]!;
    heapItems[b] = i;
    const s = heapScores[a]!;
    heapScores[a] = heapScores[b]!;
    heapScores[b] = s;
  };
  const siftDown = (start: number) => {
    let k = start;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === k) return;
      swap(k, m);
      k = m;
    }
  };
  if (cap > 0)
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (Number.isNaN(s) || exclude?.(i)) continue;
      if (size < cap) {
        heapItems[size] = i;
        heapScores[size] = s;
        let k = size++;
        while (k > 0) {
          const parent = (k - 1) >> 1;
          if (!worse(k, parent)) break;
          swap(k, parent);
          k = parent;
        }
      } else if (s > heapScores[0]!) {
        // Equal scores keep the earlier (lower) index already in the heap.
        heapItems[0] = i;
        heapScores[0] = s;
        siftDown(0);
      }
    }
  const items = new Int32Array(size);
  const out = new Float32Array(size);
  // Popping the worst first fills the answer from the back.
  for (let k = size - 1; k >= 0; k--) {
    items[k] = heapItems[0]!;
    out[k] = heapScores[0]!;
    size--;
    if (size > 0) {
      heapItems[0] = heapItems[size]!;
      heapScores[0] = heapScores[size]!;
      siftDown(0);
    }
  }
  return { items, scores: out };
}
