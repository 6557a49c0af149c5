import roaring from 'roaring';
import type { TagQuery } from '@storefleet/shared';

const { RoaringBitmap32 } = roaring;
type RoaringBitmap32 = InstanceType<typeof RoaringBitmap32>;

/** Where a query's terms are read: the closure bitmaps (frozen, never mutated here) and every product. */
export interface MatchSource {
  term(q: Extract<TagQuery, { kind: 'tag' | 'path' }>): RoaringBitmap32;
  all(): RoaringBitmap32;
}

/** A set during evaluation: `owned` when this evaluation made it (it may be changed in place, or freed). */
interface Part {
  readonly b: RoaringBitmap32;
  readonly owned: boolean;
}

/**
 * The products `q` matches, with the meaning of the shared evaluateTagQuery (its SetAlgebra's six operations) but
 * allocating one bitmap per query instead of one per operation: an AND starts from its two smallest sets and
 * intersects the rest into that result in place, an OR is one orMany, a NOT subtracts in place, and every set this
 * evaluation made and no longer needs is freed at once. At 5 million products an intermediate result is up to
 * 600 KB of native memory; left to the garbage collector, the external memory it reported made V8 run a full
 * mark-compact every few queries, which was the p99 (tens of ms) while the operations took well under a ms.
 *
 * The result may be a closure bitmap itself (a query of one term): do not mutate it.
 */
export function matchTagQuery(q: TagQuery, source: MatchSource): RoaringBitmap32 {
  return evaluate(q, source).b;
}

/** A search's figures for one query: the total, a page after a product number, and counts within other sets. */
export interface TagQueryAnswer {
  readonly total: number;
  /** Up to `limit` product numbers after `after` (all from the first when undefined), ascending. */
  readonly productNos: number[];
  /** For each of `within`, how many of the matched products it holds (facet counts). */
  readonly counts: number[];
}

/**
 * What a search reads from a match (its total, a page from its rank, facet counts), then the match is freed at
 * once: a caller that needs no more than these pays no garbage at all, where a bitmap handed out (`matchTagQuery`)
 * waits for the garbage collector with its native memory counted against V8's external limit. Synchronous, so no
 * other query runs between the match and its freeing.
 */
export function answerTagQuery(
  q: TagQuery,
  source: MatchSource,
  page: { readonly after?: number | undefined; readonly limit: number; readonly within?: readonly RoaringBitmap32[] },
): TagQueryAnswer {
  const matched = evaluate(q, source);
  try {
    const b = matched.b;
    const offset = page.after === undefined ? 0 : b.rank(page.after);
    return {
      total: b.size,
      productNos: Array.from(b.rangeUint32Array(new Uint32Array(page.limit), offset, page.limit)),
      counts: (page.within ?? []).map((w) => b.andCardinality(w)),
    };
  } finally {
    release(matched);
  }
}

function evaluate(q: TagQuery, source: MatchSource): Part {
  switch (q.kind) {
    case 'tag':
    case 'path':
      return { b: source.term(q), owned: false };
    case 'not':
      return subtract({ b: source.all(), owned: false }, [evaluate(q.of, source)]);
    case 'and': {
      const positive = q.of.filter((c) => c.kind !== 'not').map((c) => evaluate(c, source));
      const negated = q.of.flatMap((c) => (c.kind === 'not' ? [c.of] : []));
      const acc = positive.length ? intersect(positive) : { b: source.all(), owned: false };
      return negated.length
        ? subtract(
            acc,
            negated.map((c) => evaluate(c, source)),
          )
        : acc;
    }
    case 'or': {
      if (q.of.length === 0) return { b: new RoaringBitmap32(), owned: true };
      const positive = q.of.filter((c) => c.kind !== 'not').map((c) => evaluate(c, source));
      const negated = q.of.flatMap((c) => (c.kind === 'not' ? [c.of] : []));
      const matched = positive.length ? union(positive) : undefined;
      if (negated.length === 0) return matched!;
      // a OR NOT b OR NOT c = all − ((b AND c) − a): one complement however many children are negated
      let excluded = intersect(negated.map((c) => evaluate(c, source)));
      if (matched) excluded = subtract(excluded, [matched]);
      return subtract({ b: source.all(), owned: false }, [excluded]);
    }
  }
}

/** Frees a set this evaluation made (its native memory at once, not at the next full GC). */
function release(p: Part): void {
  if (p.owned) p.b.dispose();
}

/** The intersection, smallest sets first (so each step is as small as it gets); consumes `parts`. */
function intersect(parts: Part[]): Part {
  if (parts.length === 1) return parts[0]!;
  parts.sort((x, y) => x.b.size - y.b.size);
  // into the smallest set made here if there is one, else into a new intersection of the two smallest
  const mine = parts.findIndex((p) => p.owned);
  let acc: Part;
  let rest: Part[];
  if (mine >= 0) {
    acc = parts[mine]!;
    rest = parts.filter((_, i) => i !== mine);
  } else {
    acc = { b: RoaringBitmap32.and(parts[0]!.b, parts[1]!.b), owned: true };
    rest = parts.slice(2);
  }
  for (const p of rest) {
    if (!acc.b.isEmpty) acc.b.andInPlace(p.b);
    release(p);
  }
  return acc;
}

/** The union as one orMany; consumes `parts`. */
function union(parts: Part[]): Part {
  if (parts.length === 1) return parts[0]!;
  const acc = { b: RoaringBitmap32.orMany(parts.map((p) => p.b)), owned: true };
  for (const p of parts) release(p);
  return acc;
}

/** `from` minus every set of `parts`, in place when `from` was made here; consumes both. */
function subtract(from: Part, parts: Part[]): Part {
  let acc = from;
  for (const p of parts) {
    if (acc.owned) acc.b.andNotInPlace(p.b);
    else acc = { b: RoaringBitmap32.andNot(acc.b, p.b), owned: true };
    release(p);
  }
  return acc;
}
