/** One line of benchmark output, as DESIGN.md's output contract lays it out. */
export interface Figure {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly anchor?: string;
  readonly anchor_value?: number;
  readonly ratio?: number;
  readonly db?: string;
  readonly n: number;
  /** The instances a count is made of, where naming them is the point ("R101 +1"). */
  readonly instances?: readonly string[];
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(): Promise<Figure[]>;
}

/** A figure compared with an anchor measured in the same run; ratio > 1 means we beat the anchor. */
export function against(
  f: Omit<Figure, 'anchor' | 'anchor_value' | 'ratio'>,
  anchor: string,
  anchorValue: number,
  higherIsBetter = true,
): Figure {
  const ratio = higherIsBetter ? f.value / anchorValue : anchorValue / f.value;
  return { ...f, anchor, anchor_value: round(anchorValue), ratio: round(ratio, 2), value: round(f.value) };
}

export function round(x: number, digits = 1): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
