import { seededRandom } from './logistic.js';

/**
 * The figures a binary classifier is judged by (positive = generated, 1): the confusion matrix at a threshold,
 * accuracy, precision, recall, F1, and the precision-recall AUC (average precision) with the negatives re-weighted
 * so that positives are a chosen share of the population — how the model would look where fakes are rare. Pure.
 */
export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface Figures {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Average precision with positives re-weighted to 2 % of the population. */
  readonly prAuc2pct: number;
  readonly confusion: Confusion;
}

export function confusion(p: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const yes = p[i]! >= threshold;
    if (labels[i] === 1) yes ? tp++ : fn++;
    else yes ? fp++ : tn++;
  }
  return { tp, fp, tn, fn };
}

/**
 * Average precision (the step-wise PR-AUC) with each negative counted `P(1 − rate) / (rate · N)` times, so positives
 * are `rate` of the weighted population. Tied scores form one step (no credit for an order the scores do not give).
 */
export function weightedAveragePrecision(p: ArrayLike<number>, labels: ArrayLike<number>, rate: number): number {
  const n = labels.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) pos++;
  const neg = n - pos;
  if (pos === 0) return 0;
  const wn = neg === 0 ? 1 : (pos * (1 - rate)) / (rate * neg);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]!);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let k = 0; k < n; ) {
    const s = p[order[k]!]!;
    while (k < n && p[order[k]!] === s) {
      if (labels[order[k]!] === 1) tp++;
      else fp++;
      k++;
    }
    const recall = tp / pos;
    const precision = tp / (tp + wn * fp);
    ap += (recall - lastRecall) * precision;
    lastRecall = recall;
  }
  return ap;
}

export function figures(p: ArrayLike<number>, labels: ArrayLike<number>): Figures {
  const c = confusion(p, labels);
  const total = c.tp + c.fp + c.tn + c.fn;
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  return {
    accuracy: total > 0 ? (c.tp + c.tn) / total : 0,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    prAuc2pct: weightedAveragePrecision(p, labels, 0.02),
    confusion: c,
  };
}

/**
 * Stratified k folds with a seed: each class shuffled on its own and dealt round-robin, so every fold has the same
 * share of each class (±1). Returns each row's fold, 0…k−1.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  const fold = new Int32Array(labels.length);
  const random = seededRandom(seed);
  let dealt = 0;
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) members.push(i);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    for (const m of members) fold[m] = dealt++ % k;
  }
  return fold;
}
