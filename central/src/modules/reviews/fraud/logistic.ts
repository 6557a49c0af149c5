import type { SparseRow } from './text-features.js';

/**
 * Binary logistic regression with an L2 penalty, over sparse rows, by stochastic gradient descent with Adagrad step
 * sizes: each epoch visits the rows in an order shuffled by a seeded generator, so the same rows, options and seed
 * give the same weights, bit for bit. The penalty is applied to the slots a row touches (the usual sparse shortcut:
 * a slot no row has stays 0 anyway).
 */
export interface LogisticOptions {
  readonly epochs: number;
  /** Adagrad's base step. */
  readonly learningRate: number;
  /** The L2 penalty per row visit. */
  readonly l2: number;
  readonly seed: number;
}

export const LOGISTIC_DEFAULTS: LogisticOptions = { epochs: 12, learningRate: 0.5, l2: 1e-5, seed: 24 };

export interface LogisticWeights {
  readonly w: Float32Array;
  readonly bias: number;
}

/** A seeded generator (mulberry32): uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function margin(row: SparseRow, w: Float32Array, bias: number): number {
  let z = bias;
  const { idx, val } = row;
  for (let i = 0; i < idx.length; i++) z += w[idx[i]!]! * val[i]!;
  return z;
}

/** Fits weights over `dims` slots to rows labelled 1 (positive) or 0. */
export function trainLogistic(
  rows: readonly SparseRow[],
  labels: ArrayLike<number>,
  dims: number,
  opts: LogisticOptions = LOGISTIC_DEFAULTS,
): LogisticWeights {
  if (rows.length !== labels.length) throw new Error(`${rows.length} rows but ${labels.length} labels`);
  const w = new Float32Array(dims);
  const g2 = new Float32Array(dims);
  let bias = 0;
  let biasG2 = 0;
  const order = Int32Array.from({ length: rows.length }, (_, i) => i);
  const random = seededRandom(opts.seed);
  const eps = 1e-8;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (const r of order) {
      const row = rows[r]!;
      const g = sigmoid(margin(row, w, bias)) - labels[r]!;
      const { idx, val } = row;
      for (let i = 0; i < idx.length; i++) {
        const j = idx[i]!;
        const grad = g * val[i]! + opts.l2 * w[j]!;
        g2[j]! += grad * grad;
        w[j]! -= (opts.learningRate * grad) / (Math.sqrt(g2[j]!) + eps);
      }
      biasG2 += g * g;
      bias -= (opts.learningRate * g) / (Math.sqrt(biasG2) + eps);
    }
  }
  return { w, bias };
}
