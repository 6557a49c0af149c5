/** Events per second over the last ten whole seconds, in constant memory (ten one-second buckets). */
export class RateMeter {
  readonly #buckets = new Float64Array(10);
  #second = 0;

  add(atMs: number, n = 1): void {
    this.#advance(Math.floor(atMs / 1000));
    this.#buckets[this.#second % 10]! += n;
  }

  perSecond(nowMs: number): number {
    this.#advance(Math.floor(nowMs / 1000));
    return this.#buckets.reduce((a, b) => a + b, 0) / 10;
  }

  #advance(second: number): void {
    if (second <= this.#second) return;
    for (let s = Math.max(this.#second + 1, second - 9); s <= second; s++) this.#buckets[s % 10] = 0;
    this.#second = second;
  }
}
