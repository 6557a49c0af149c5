/**
 * What one call of each task name costs, in µs of worker time, from the workers' own measurements. The estimate
 * jumps up at once to a slower sample and drifts down slowly (exponential weighting), so a name that turns slow
 * stops being batched after its first slow call, and one slow call in a while keeps it out of batches.
 */
export class CostModel {
  readonly #micros = new Map<string, number>();

  /** Infinity for a name never measured: unknown work is assumed slow. */
  estimate(name: string): number {
    return this.#micros.get(name) ?? Infinity;
  }

  observe(name: string, micros: number): void {
    const mean = this.#micros.get(name);
    this.#micros.set(name, mean === undefined || micros > mean ? micros : mean * 0.9 + micros * 0.1);
  }
}
