import { readFileSync } from 'node:fs';
import { combine } from '../../../central/src/modules/reviews/fraud/combine.js';
import { lshBuckets, minhash } from '../../../central/src/modules/reviews/fraud/minhash.js';
import { textModelReason, UNVERIFIED_WEIGHT } from '../../../central/src/modules/reviews/fraud/rules.js';
import {
  ANCHOR_OPTIONS,
  fitTextModel,
  TEXT_MODEL_DEFAULTS,
  type TextModel,
} from '../../../central/src/modules/reviews/fraud/text-model.js';
import {
  DEFAULT_TRAINING_CSV,
  type LabelledText,
  parseLabelledCsv,
} from '../../../central/src/modules/reviews/fraud/training-data.js';
import type { FraudDecision, FraudReasonEntry } from '../../../central/src/modules/reviews/types.js';

/** The labelled texts the bench scores and submits: REVIEWS_TRAINING_CSV when set, else the team's data set. */
export function benchTexts(): { path: string; rows: LabelledText[] } {
  const path = process.env.REVIEWS_TRAINING_CSV || DEFAULT_TRAINING_CSV;
  const { rows } = parseLabelledCsv(readFileSync(path, 'utf8'));
  if (rows.length < 10) throw new Error(`${path}: ${rows.length} labelled rows, too few to score`);
  return { path, rows };
}

/** Lane C's text model (its defaults) and the plain TF-IDF 1–2-gram + logistic regression anchor, both trained here. */
export function trainBoth(rows: readonly LabelledText[]): { model: TextModel; anchor: TextModel; trainS: number } {
  const t0 = performance.now();
  const model = fitTextModel(rows, TEXT_MODEL_DEFAULTS);
  const trainS = (performance.now() - t0) / 1000;
  return { model, anchor: fitTextModel(rows, ANCHOR_OPTIONS), trainS };
}

/**
 * What scoring one review costs in-process, as FraudScorer.score runs it without its SQL: the text model's
 * probability, the MinHash signature and its LSH buckets, and the noisy-OR combination of the model's reason with
 * UNVERIFIED. The rules' SQL is left out (measured through the API in the submit pass).
 */
export function scoreInProcess(model: TextModel, text: string): FraudDecision {
  const reasons: FraudReasonEntry[] = [{ code: 'UNVERIFIED', weight: UNVERIFIED_WEIGHT, detail: '' }];
  const said = textModelReason(model.probability(text));
  if (said) reasons.push(said);
  const sig = minhash(text);
  if (lshBuckets(sig).length === 0 && sig.length !== 0) throw new Error('a signature without buckets');
  return combine(reasons).decision;
}

/** The text model's decision alone (its reason with UNVERIFIED, combined): no MinHash, no LSH. */
export function modelOnly(model: TextModel, text: string): FraudDecision {
  const reasons: FraudReasonEntry[] = [{ code: 'UNVERIFIED', weight: UNVERIFIED_WEIGHT, detail: '' }];
  const said = textModelReason(model.probability(text));
  if (said) reasons.push(said);
  return combine(reasons).decision;
}

/**
 * Reviews scored per second by `model` over `texts`, passes repeated until `seconds` have gone by: per second of
 * this process's CPU time (what one core does, whatever else the machine runs — the loop is single-threaded, and
 * the garbage collector's threads count against it) and per second of wall time; the decisions. `what` is the whole
 * in-process scoring (`scoreInProcess`: model + MinHash/LSH + combine) or the model alone (`modelOnly`).
 */
export function scoredPerSecond(
  model: TextModel,
  texts: readonly string[],
  seconds: number,
  what: (model: TextModel, text: string) => FraudDecision = scoreInProcess,
): { perS: number; perWallS: number; n: number; decisions: Map<FraudDecision, number> } {
  const decisions = new Map<FraudDecision, number>();
  let n = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  do {
    for (const text of texts) {
      const d = what(model, text);
      decisions.set(d, (decisions.get(d) ?? 0) + 1);
      n++;
    }
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { perS: n / cpuS, perWallS: n / elapsed, n, decisions };
}
