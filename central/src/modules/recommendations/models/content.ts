/**
 * Content similarity: products described by tokens (category, brand, the words of the name, tags) are compared by
 * the cosine of their TF-IDF vectors — sharing a rare token (a brand, "oat") counts more than sharing a common one
 * ("1", a big category). This is what a new product with no interactions is recommended by ("Similar to …").
 *
 * An inverted index (token → items that have it) gives each item its candidates without comparing all pairs. A token
 * held by more than `maxScan` items (a category of 30,000 products) is scanned only in a window of `maxScan` items
 * around the item's own place in its list, so the work stays O(items · tokens · maxScan) however large the catalog.
 */
import { keepBest, type Neighbours } from './neighbours.js';

export type { Neighbours } from './neighbours.js';

export interface ContentOptions {
  /** Neighbours kept per item. */
  readonly k: number;
  /** Items scanned per token of an item (the window above). Default 2,000. */
  readonly maxScan?: number;
  /** Checked between items; once aborted the computation throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Each item's k most similar items by TF-IDF cosine of their tokens; items without tokens get no neighbours. */
export function contentNeighbours(
  items: readonly { readonly tokens: readonly string[] }[],
  opts: ContentOptions,
): Neighbours {
  const k = Math.floor(opts.k);
  if (!(k >= 1 && k <= 1000)) throw new RangeError(`k ${opts.k} is not in 1..1000`);
  const maxScan = Math.max(1, Math.floor(opts.maxScan ?? 2000));
  const n = items.length;

  // Per item: its distinct tokens (as ids) with their counts, in a CSR layout.
  const tokenIds = new Map<string, number>();
  const rowPtr = new Int32Array(n + 1);
  const ids: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const seen = new Map<number, number>();
    for (const t of items[i]!.tokens) {
      let id = tokenIds.get(t);
      if (id === undefined) {
        id = tokenIds.size;
        tokenIds.set(t, id);
      }
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    for (const [id, c] of seen) {
      ids.push(id);
      counts.push(c);
    }
    rowPtr[i + 1] = ids.length;
  }
  const nTokens = tokenIds.size;
  const df = new Int32Array(nTokens);
  for (const id of ids) df[id]!++;

  // Weights: (1 + ln count) · ln(1 + n / df), each item's vector scaled to length 1.
  const weight = new Float64Array(ids.length);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) {
      const w = (1 + Math.log(counts[p]!)) * Math.log(1 + n / df[ids[p]!]!);
      weight[p] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) weight[p] = weight[p]! / norm;
  }

  // The inverted index: postings of each token, items ascending (they are filled in item order).
  const postPtr = new Int32Array(nTokens + 1);
  for (let t = 0; t < nTokens; t++) postPtr[t + 1] = postPtr[t]! + df[t]!;
  const postItem = new Int32Array(ids.length);
  const postWeight = new Float64Array(ids.length);
  const fill = postPtr.slice(0, nTokens);
  for (let i = 0; i < n; i++)
    for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) {
      const q = fill[ids[p]!]!++;
      postItem[q] = i;
      postWeight[q] = weight[p]!;
    }

  const nb = { k, items: new Int32Array(n * k), scores: new Float32Array(n * k) };
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (opts.signal?.aborted) opts.signal.throwIfAborted();
    let count = 0;
    for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) {
      const t = ids[p]!;
      let from = postPtr[t]!;
      let to = postPtr[t + 1]!;
      if (to - from > maxScan) {
        const at = lowerBound(postItem, from, to, i);
        from = Math.max(from, Math.min(at - (maxScan >> 1), to - maxScan));
        to = from + maxScan;
      }
      const wi = weight[p]!;
      for (let q = from; q < to; q++) {
        const j = postItem[q]!;
        if (j === i) continue;
        if (acc[j] === 0) touched[count++] = j;
        acc[j]! += wi * postWeight[q]!;
      }
    }
    keepBest(nb, i, touched, count, acc);
    for (let c = 0; c < count; c++) acc[touched[c]!] = 0;
  }
  return nb;
}

/** The first position in xs[from..to) whose value is ≥ v (xs ascending there). */
function lowerBound(xs: Int32Array, from: number, to: number, v: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Words shorter than this, and plain numbers ("500" of "500 g"), say nothing about what a product is. */
const MIN_WORD = 2;
const STOP_WORDS = new Set(['and', 'the', 'with', 'for', 'of', 'in', 'a', 'an', 'pack', 'x']);

/**
 * A product's tokens for `contentNeighbours`: its category, brand and tags whole (lower-cased, prefixed so that a
 * brand "Oat" and the word "oat" stay apart), and the words of its name. Bounded: at most 64 tokens.
 */
export function productTokens(p: {
  readonly name: string;
  readonly brand: string | null;
  readonly category: string;
  readonly tags?: readonly string[];
}): string[] {
  const tokens: string[] = [];
  const whole = (prefix: string, s: string) => {
    const v = s.trim().toLowerCase().replace(/\s+/g, ' ');
    if (v) tokens.push(`${prefix}:${v}`);
  };
  whole('category', p.category);
  if (p.brand) whole('brand', p.brand);
  for (const word of p.name.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (word.length < MIN_WORD || /^\p{N}+$/u.test(word) || STOP_WORDS.has(word)) continue;
    tokens.push(`word:${word}`);
  }
  for (const tag of p.tags ?? []) whole('tag', tag);
  return tokens.slice(0, 64);
}
