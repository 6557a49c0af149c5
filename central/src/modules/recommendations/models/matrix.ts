/**
 * Implicit feedback as a sparse users × items matrix in CSR form: row u's entries are
 * `cols[rowPtr[u] .. rowPtr[u+1])` (item indices, ascending, no duplicates) with `vals` beside them (the summed
 * interaction weights: PURCHASE 4, CART_ADD 2, VIEW 1 in the hub; 1 per rating in the benchmark).
 * Indices are dense (0 … n−1); the caller keeps the mapping to customer ids and skus.
 */
export interface InteractionMatrix {
  readonly nUsers: number;
  readonly nItems: number;
  /** nUsers + 1 offsets into cols/vals. */
  readonly rowPtr: Int32Array;
  readonly cols: Int32Array;
  readonly vals: Float32Array;
}

/** One interaction: user index, item index, weight (> 0). */
export interface Triple {
  readonly u: number;
  readonly i: number;
  readonly w: number;
}

/**
 * Builds the matrix, summing the weights of repeated (user, item) pairs. Throws a RangeError naming the triple when
 * an index is outside the sizes or a weight is not a finite positive number — the caller maps ids, so that is a bug.
 */
export function buildMatrix(nUsers: number, nItems: number, triples: Iterable<Triple>): InteractionMatrix {
  const list = Array.isArray(triples) ? (triples as readonly Triple[]) : [...triples];
  const n = list.length;
  // Two stable counting sorts (by item, then by user) give rows whose columns ascend, in O(n + users + items).
  const byItem = new Int32Array(n);
  const itemStart = new Int32Array(nItems + 1);
  for (let k = 0; k < n; k++) {
    const t = list[k]!;
    if (!(t.u >= 0 && t.u < nUsers && Number.isInteger(t.u)) || !(t.i >= 0 && t.i < nItems && Number.isInteger(t.i)))
      throw new RangeError(`interaction ${k} (user ${t.u}, item ${t.i}) is outside ${nUsers} users × ${nItems} items`);
    if (!(Number.isFinite(t.w) && t.w > 0)) throw new RangeError(`interaction ${k} has weight ${t.w}, not above 0`);
    itemStart[t.i + 1]!++;
  }
  for (let i = 0; i < nItems; i++) itemStart[i + 1]! += itemStart[i]!;
  const fill = itemStart.slice(0, nItems);
  for (let k = 0; k < n; k++) byItem[fill[list[k]!.i]!++] = k;

  const rowCount = new Int32Array(nUsers + 1);
  for (let k = 0; k < n; k++) rowCount[list[k]!.u + 1]!++;
  for (let u = 0; u < nUsers; u++) rowCount[u + 1]! += rowCount[u]!;
  const at = rowCount.slice(0, nUsers);
  const order = new Int32Array(n);
  for (const k of byItem) order[at[list[k]!.u]!++] = k;

  // Merge duplicates: within a row equal columns are now adjacent.
  const rowPtr = new Int32Array(nUsers + 1);
  const cols = new Int32Array(n);
  const vals = new Float32Array(n);
  let out = 0;
  for (let u = 0; u < nUsers; u++) {
    const rowStart = out;
    for (let p = rowCount[u]!; p < rowCount[u + 1]!; p++) {
      const t = list[order[p]!]!;
      if (out > rowStart && cols[out - 1] === t.i) vals[out - 1]! += t.w;
      else {
        cols[out] = t.i;
        vals[out] = t.w;
        out++;
      }
    }
    rowPtr[u + 1] = out;
  }
  return { nUsers, nItems, rowPtr, cols: cols.slice(0, out), vals: vals.slice(0, out) };
}

/** The items × users matrix (rows become columns), columns ascending. */
export function transpose(m: InteractionMatrix): InteractionMatrix {
  const nnz = m.cols.length;
  const rowPtr = new Int32Array(m.nItems + 1);
  for (let p = 0; p < nnz; p++) rowPtr[m.cols[p]! + 1]!++;
  for (let i = 0; i < m.nItems; i++) rowPtr[i + 1]! += rowPtr[i]!;
  const at = rowPtr.slice(0, m.nItems);
  const cols = new Int32Array(nnz);
  const vals = new Float32Array(nnz);
  for (let u = 0; u < m.nUsers; u++)
    for (let p = m.rowPtr[u]!; p < m.rowPtr[u + 1]!; p++) {
      const q = at[m.cols[p]!]!++;
      cols[q] = u;
      vals[q] = m.vals[p]!;
    }
  return { nUsers: m.nItems, nItems: m.nUsers, rowPtr, cols, vals };
}

/** The item indices of row u (a view, not a copy). */
export function rowItems(m: InteractionMatrix, u: number): Int32Array {
  return m.cols.subarray(m.rowPtr[u]!, m.rowPtr[u + 1]!);
}

/** A predicate "user u has item i" for excluding what a user already has; binary search in the sorted row. */
export function hasItem(m: InteractionMatrix, u: number, i: number): boolean {
  let lo = m.rowPtr[u]!;
  let hi = m.rowPtr[u + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = m.cols[mid]!;
    if (c === i) return true;
    if (c < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
