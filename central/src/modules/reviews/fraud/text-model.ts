import { LOGISTIC_DEFAULTS, type LogisticOptions, margin, sigmoid, trainLogistic } from './logistic.js';
import { figures, type Figures, stratifiedFolds } from './metrics.js';
import {
  countedFeatures,
  DEFAULT_FEATURES,
  type FeatureSpec,
  fitIdf,
  type SparseRow,
  weightRow,
} from './text-features.js';

/**
 * The text model: hashed TF-IDF features (text-features.ts) and a logistic regression (logistic.ts), optionally on
 * NB-weighted features (NBSVM's log-count ratios r, folded into the weights after training: w·(r∘x) = (w∘r)·x).
 * `probability` is synchronous and in-process. Stored as the spec (JSON) and the bytes (little-endian): the count n of
 * slots a training text had, then their n Uint32 indices, n Float32 IDF values and n Float32 weights.
 */
export interface TextModelSpec {
  readonly kind: 'hashed-tfidf-logistic';
  readonly features: FeatureSpec;
  readonly nb: boolean;
  readonly trainer: LogisticOptions;
  readonly bias: number;
}

export interface TextModelOptions {
  readonly features: FeatureSpec;
  readonly nb: boolean;
  readonly trainer: LogisticOptions;
}

/** What cross-validates best on the team's data (see the bench reviews-eval). */
export const TEXT_MODEL_DEFAULTS: TextModelOptions = {
  features: DEFAULT_FEATURES,
  nb: true,
  trainer: LOGISTIC_DEFAULTS,
};

/** The anchor: plain TF-IDF word 1–2-grams with the same logistic regression. */
export const ANCHOR_OPTIONS: TextModelOptions = {
  features: { bits: 20, wordMax: 2, charMin: 0, charMax: 0 },
  nb: false,
  trainer: LOGISTIC_DEFAULTS,
};

export class TextModel {
  constructor(
    readonly spec: TextModelSpec,
    readonly idf: Float32Array,
    readonly weights: Float32Array,
  ) {
    const dims = 1 << spec.features.bits;
    if (idf.length !== dims || weights.length !== dims)
      throw new Error(`a text model of 2^${spec.features.bits} slots needs ${dims} IDF values and weights`);
  }

  /** The probability (0..1) that `text` was generated. */
  probability(text: string): number {
    return sigmoid(
      margin(weightRow(countedFeatures(text, this.spec.features), this.idf), this.weights, this.spec.bias),
    );
  }

  /** The probability of an already counted text (cross-validation counts each text once). */
  probabilityOf(counted: Counted): number {
    return sigmoid(margin(weightRow(counted, this.idf), this.weights, this.spec.bias));
  }

  /** The slots a training text had (IDF > 0): their indices, IDF values and weights — what a hub stores. */
  toBytes(): Uint8Array {
    let n = 0;
    for (let j = 0; j < this.idf.length; j++) if (this.idf[j] !== 0) n++;
    const out = new ArrayBuffer(4 + n * 12);
    new Uint32Array(out, 0, 1)[0] = n;
    const idx = new Uint32Array(out, 4, n);
    const idf = new Float32Array(out, 4 + n * 4, n);
    const w = new Float32Array(out, 4 + n * 8, n);
    let k = 0;
    for (let j = 0; j < this.idf.length; j++)
      if (this.idf[j] !== 0) {
        idx[k] = j;
        idf[k] = this.idf[j]!;
        w[k] = this.weights[j]!;
        k++;
      }
    return new Uint8Array(out);
  }

  static fromBytes(spec: TextModelSpec, bytes: Uint8Array): TextModel {
    const dims = 1 << spec.features.bits;
    const copy = new Uint8Array(bytes).buffer;
    const n = bytes.byteLength >= 4 ? new Uint32Array(copy, 0, 1)[0]! : -1;
    if (n < 0 || n > dims || bytes.byteLength !== 4 + n * 12)
      throw new Error(`a text model's bytes are a count and 12 bytes a slot, not ${bytes.byteLength} bytes`);
    const idx = new Uint32Array(copy, 4, n);
    const idfs = new Float32Array(copy, 4 + n * 4, n);
    const ws = new Float32Array(copy, 4 + n * 8, n);
    const idf = new Float32Array(dims);
    const weights = new Float32Array(dims);
    for (let k = 0; k < n; k++) {
      const j = idx[k]!;
      if (j >= dims) throw new Error(`a text model's slot ${j} is outside its 2^${spec.features.bits}`);
      idf[j] = idfs[k]!;
      weights[j] = ws[k]!;
    }
    return new TextModel(spec, idf, weights);
  }
}

export type Counted = ReturnType<typeof countedFeatures>;

/** Fits a model on counted texts (those at `take`, or all). */
export function fitCounted(
  counted: readonly Counted[],
  labels: ArrayLike<number>,
  opts: TextModelOptions,
  take?: readonly number[],
): TextModel {
  const ids = take ?? counted.map((_, i) => i);
  const bits = opts.features.bits;
  const dims = 1 << bits;
  const train = ids.map((i) => counted[i]!);
  const y = Uint8Array.from(ids, (i) => labels[i]!);
  const idf = fitIdf(train, bits);
  let rows: SparseRow[] = train.map((c) => weightRow(c, idf));
  let r: Float32Array | null = null;
  if (opts.nb) {
    r = logCountRatios(rows, y, dims);
    const ratio = r;
    rows = rows.map((row) => ({ idx: row.idx, val: row.val.map((v, i) => v * ratio[row.idx[i]!]!) }));
  }
  const { w, bias } = trainLogistic(rows, y, dims, opts.trainer);
  if (r) for (let j = 0; j < dims; j++) w[j]! *= r[j]!;
  return new TextModel(
    { kind: 'hashed-tfidf-logistic', features: opts.features, nb: opts.nb, trainer: opts.trainer, bias },
    idf,
    w,
  );
}

export function fitTextModel(
  rows: readonly { text: string; label: number }[],
  opts: TextModelOptions = TEXT_MODEL_DEFAULTS,
): TextModel {
  return fitCounted(
    rows.map((r) => countedFeatures(r.text, opts.features)),
    Uint8Array.from(rows, (r) => r.label),
    opts,
  );
}

/** NBSVM's r = ln((p/‖p‖₁) / (q/‖q‖₁)), p and q the positives' and negatives' feature sums plus 1. */
function logCountRatios(rows: readonly SparseRow[], y: Uint8Array, dims: number): Float32Array {
  const p = new Float32Array(dims).fill(1);
  const q = new Float32Array(dims).fill(1);
  rows.forEach((row, k) => {
    const into = y[k] === 1 ? p : q;
    for (let i = 0; i < row.idx.length; i++) into[row.idx[i]!]! += row.val[i]!;
  });
  let sp = 0;
  let sq = 0;
  for (let j = 0; j < dims; j++) {
    sp += p[j]!;
    sq += q[j]!;
  }
  const r = new Float32Array(dims);
  for (let j = 0; j < dims; j++) r[j] = Math.log(p[j]! / sp / (q[j]! / sq));
  return r;
}

/**
 * k-fold stratified cross-validation with a seed: each fold's IDF and weights fitted on the other folds only.
 * Returns the figures over every row's out-of-fold probability, and those probabilities.
 */
export function crossValidate(
  rows: readonly { text: string; label: number }[],
  opts: TextModelOptions,
  k = 5,
  seed = 24,
): { figures: Figures; probabilities: Float32Array; folds: Int32Array } {
  const counted = rows.map((r) => countedFeatures(r.text, opts.features));
  const labels = Uint8Array.from(rows, (r) => r.label);
  const folds = stratifiedFolds(labels, k, seed);
  const probabilities = new Float32Array(rows.length);
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < rows.length; i++) (folds[i] === f ? test : train).push(i);
    if (test.length === 0 || train.length === 0) continue;
    const model = fitCounted(counted, labels, opts, train);
    for (const i of test) probabilities[i] = model.probabilityOf(counted[i]!);
  }
  return { figures: figures(probabilities, labels), probabilities, folds };
}
