import type { TagSetAlgebra } from '@storefleet/shared';

/**
 * Sets of products as ascending arrays of product numbers (a product's place in the store's catalog by name, then
 * sku): intersection, union and difference are linear merges, a page is a slice, and no request sorts anything.
 */
export type ProductSet = Int32Array;

export const EMPTY: ProductSet = new Int32Array(0);

/** 0, 1, …, n-1: every product of the catalog. */
export function range(n: number): ProductSet {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Sorts and removes repeats, in place where it can (a product tagged with two tags below one counts once). */
export function sortedUnique(values: Int32Array): ProductSet {
  values.sort();
  let w = 0;
  for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[w - 1]) values[w++] = values[i]!;
  return w === values.length ? values : values.slice(0, w);
}

export function and(a: ProductSet, b: ProductSet): ProductSet {
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

/** |a ∩ b| without building it (the facets' counts). */
export function andCount(a: ProductSet, b: ProductSet): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      n++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return n;
}

export function or(a: ProductSet, b: ProductSet): ProductSet {
  const out = new Int32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) {
      out[n++] = x;
      i++;
    } else {
      out[n++] = y;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.subarray(0, n);
}

export function andNot(a: ProductSet, b: ProductSet): ProductSet {
  const out = new Int32Array(a.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) i++;
    else {
      out[n++] = x;
      i++;
    }
  }
  return out.subarray(0, n);
}

/** `evaluateTagQuery` over product sets; `set` answers a term (callers check every term is known first). */
export class ProductSetAlgebra implements TagSetAlgebra<ProductSet> {
  constructor(
    readonly set: (term: { kind: 'tag'; slug: string } | { kind: 'path'; path: string }) => ProductSet,
    readonly every: ProductSet,
  ) {}
  tag(slug: string): ProductSet {
    return this.set({ kind: 'tag', slug });
  }
  path(path: readonly string[]): ProductSet {
    return this.set({ kind: 'path', path: path.join('.') });
  }
  all(): ProductSet {
    return this.every;
  }
  and = and;
  or = or;
  andNot = andNot;
}
