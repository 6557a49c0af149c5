/**
 * Evaluating a tag query over any set algebra: the roaring-bitmap index (later) and plain JS Sets (here, for tests
 * and small offline catalogues) implement the same six operations.
 *
 * Semantics of the terms (issue #20: "tagging a product with a child implies its ancestors in search"):
 *  - `path:electronics.mobile` — the products tagged with that tag or with any tag below it;
 *  - `tag:electronics` (or the bare word) — the same for the tag whose slug is `electronics`, wherever it sits: a
 *    product tagged only `electronics.mobile.smartphones` matches `tag:electronics`, `tag:mobile`, `path:electronics`
 *    and `path:electronics.mobile`. We chose this reading because the issue makes ancestors implied "in search", not
 *    only in path queries; `tag:` and `path:` then differ in how they name a tag (by its slug, unique across the
 *    tree; or by its place), not in what they match. A search for "tagged with exactly this tag, not a child" is not
 *    a form of the language.
 *
 * How a tree is evaluated, so that the complement of all products is taken only when the query asks for it:
 *  - `a AND b AND NOT c AND NOT d` → andNot(and(a, b), orMany([c, d])): one difference however many children are
 *    negated (orMany unions them in one pass where the algebra can; else an or-fold);
 *  - an AND with only negated children, and a NOT on its own, start from all();
 *  - OR folds with or(); its negated children cost one complement together: `a OR NOT b OR NOT c` →
 *    andNot(all(), andNot(and(b, c), a)).
 */
import type { TagQuery } from './ast.js';

/**
 * The set operations a tag query needs, over an immutable set type S (a bitmap, a Set of product ids). `evaluate`
 * calls them; it never mutates a set it got, and an implementation must not mutate its arguments either (tag() and
 * path() may hand out cached sets). `path` gets at least one level; `all` is every product that can be found.
 */
export interface SetAlgebra<S> {
  /** The products tagged with the tag whose slug this is, or with one of its descendants; empty if no such tag. */
  tag(slug: string): S;
  /** The products tagged with the tag at this path, or with one of its descendants; empty if no such tag. */
  path(path: readonly string[]): S;
  /** Every product. */
  all(): S;
  and(a: S, b: S): S;
  or(a: S, b: S): S;
  /** The products in a but not in b. */
  andNot(a: S, b: S): S;
  /** The union of every set (at least one): optional, for an algebra that unions many at once (roaring's orMany). */
  orMany?(sets: readonly S[]): S;
}

/** The union of `sets` (at least one) by the algebra's orMany, else folded with or(). */
function union<S>(sets: readonly S[], algebra: SetAlgebra<S>): S {
  if (sets.length === 1) return sets[0] as S;
  if (algebra.orMany) return algebra.orMany(sets);
  let acc = sets[0] as S;
  for (const s of sets.slice(1)) acc = algebra.or(acc, s);
  return acc;
}

/** The set of products `q` matches. An empty `and` is all products, an empty `or` none (only hand-built trees). */
export function evaluate<S>(q: TagQuery, sets: SetAlgebra<S>): S {
  switch (q.kind) {
    case 'tag':
      return sets.tag(q.slug);
    case 'path':
      return sets.path(q.path);
    case 'not':
      return sets.andNot(sets.all(), evaluate(q.of, sets));
    case 'or': {
      if (q.of.length === 0) {
        const all = sets.all();
        return sets.andNot(all, all);
      }
      const positive = q.of.filter((child) => child.kind !== 'not');
      const negated = q.of.flatMap((child) => (child.kind === 'not' ? [child.of] : []));
      const matched = positive.length
        ? union(
            positive.map((child) => evaluate(child, sets)),
            sets,
          )
        : undefined;
      if (negated.length === 0) return matched!;
      // a OR NOT b OR NOT c = all − ((b AND c) − a): one complement however many children are negated.
      let excluded = evaluate(negated[0]!, sets);
      for (const child of negated.slice(1)) excluded = sets.and(excluded, evaluate(child, sets));
      if (matched !== undefined) excluded = sets.andNot(excluded, matched);
      return sets.andNot(sets.all(), excluded);
    }
    case 'and': {
      const positive = q.of.filter((child) => child.kind !== 'not');
      const negated = q.of.flatMap((child) => (child.kind === 'not' ? [child.of] : []));
      let acc: S | undefined;
      for (const child of positive) {
        const set = evaluate(child, sets);
        acc = acc === undefined ? set : sets.and(acc, set);
      }
      acc ??= sets.all();
      // a AND NOT b AND NOT c = a − (b ∪ c): one difference, the negated children unioned together
      if (negated.length)
        acc = sets.andNot(
          acc,
          union(
            negated.map((child) => evaluate(child, sets)),
            sets,
          ),
        );
      return acc;
    }
  }
}

/**
 * A SetAlgebra over JS Sets of product ids, built from each product's directly assigned tag paths
 * (`['electronics', 'mobile', 'smartphones']`). Slugs are taken as unique across the tree, as tag creation will
 * require, so "a path containing the slug" is "tagged with that tag or a descendant". For tests and small catalogues;
 * tag() and path() scan every product.
 */
export class JsSetAlgebra<Id> implements SetAlgebra<ReadonlySet<Id>> {
  readonly #tagged: ReadonlyMap<Id, readonly (readonly string[])[]>;

  constructor(tagged: ReadonlyMap<Id, readonly (readonly string[])[]>) {
    this.#tagged = tagged;
  }

  tag(slug: string): ReadonlySet<Id> {
    return this.#where((paths) => paths.some((p) => p.includes(slug)));
  }

  path(path: readonly string[]): ReadonlySet<Id> {
    return this.#where((paths) => paths.some((p) => p.length >= path.length && path.every((s, i) => p[i] === s)));
  }

  all(): ReadonlySet<Id> {
    return new Set(this.#tagged.keys());
  }

  and(a: ReadonlySet<Id>, b: ReadonlySet<Id>): ReadonlySet<Id> {
    return new Set([...a].filter((id) => b.has(id)));
  }

  or(a: ReadonlySet<Id>, b: ReadonlySet<Id>): ReadonlySet<Id> {
    return new Set([...a, ...b]);
  }

  andNot(a: ReadonlySet<Id>, b: ReadonlySet<Id>): ReadonlySet<Id> {
    return new Set([...a].filter((id) => !b.has(id)));
  }

  #where(test: (paths: readonly (readonly string[])[]) => boolean): ReadonlySet<Id> {
    const out = new Set<Id>();
    for (const [id, paths] of this.#tagged) if (test(paths)) out.add(id);
    return out;
  }
}
