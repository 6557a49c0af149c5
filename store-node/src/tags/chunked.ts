/** Rows handled between two yields to the event loop while the tag sets are rebuilt. */
export const STEP = 4_000;

/** Lets the event loop run (I/O, timers, the POS lanes' requests) before the rebuild goes on. */
export const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Sorts `order` by `cmp` a few thousand comparisons at a time (runs sorted, then merged pass by pass), yielding
 * between steps: one `Array.prototype.sort` of 200,000 names held the event loop for hundreds of milliseconds.
 */
export async function sortInSteps(order: Int32Array, cmp: (a: number, b: number) => number): Promise<Int32Array> {
  const n = order.length;
  for (let i = 0; i < n; i += STEP) {
    order.subarray(i, Math.min(n, i + STEP)).sort(cmp);
    await yieldToLoop();
  }
  let from: Int32Array = order;
  let to: Int32Array = new Int32Array(n);
  let work = 0;
  for (let width = STEP; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (k < hi) {
        to[k++] = j >= hi || (i < mid && cmp(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
        if (++work % (STEP * 4) === 0) await yieldToLoop();
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
