import { describe, expect, it } from 'vitest';
import { figures, stratifiedFolds, weightedAveragePrecision } from '../fraud/metrics.js';
import { fitTextModel, TEXT_MODEL_DEFAULTS, TextModel } from '../fraud/text-model.js';
import { parseCsv, parseLabelledCsv, TrainingCsvError } from '../fraud/training-data.js';

/** The CSV parser, the features and the logistic regression, in-process (no hub). Accuracy is the bench's. */
describe('the training CSV', () => {
  it('reads quoted fields with commas, doubled quotes, CRLF and newlines inside quotes, and a BOM', () => {
    const csv = '\ufefflabel,text\r\nOR,"a, b ""c""\r\nsecond line"\r\nCG,plain text\nOR,"last"';
    expect(parseCsv(csv)).toEqual([
      ['label', 'text'],
      ['OR', 'a, b "c"\r\nsecond line'],
      ['CG', 'plain text'],
      ['OR', 'last'],
    ]);
    expect(parseLabelledCsv(csv)).toEqual({
      rows: [
        { label: 0, text: 'a, b "c"\nsecond line' }, // a carriage return is a control byte: dropped
        { label: 1, text: 'plain text' },
        { label: 0, text: 'last' },
      ],
      skipped: 0,
    });
  });

  it('drops NUL and control bytes, skips unknown labels and empty texts, and names a broken line', () => {
    const parsed = parseLabelledCsv('text,label\n"bad\u0000 \u0007bytes",cg\n"x",MAYBE\n"",OR\n\n"\u0000",OR\n');
    expect(parsed).toEqual({ rows: [{ label: 1, text: 'bad bytes' }], skipped: 3 });
    expect(() => parseLabelledCsv('label,text\nOR,"never closed\n')).toThrow(
      new TrainingCsvError('line 2: a quoted field is never closed'),
    );
    expect(() => parseLabelledCsv('label,text\nOR,"x"y\n')).toThrow(TrainingCsvError);
    expect(() => parseLabelledCsv('stars,body\n5,great\n')).toThrow(/names no `label` and `text`/);
    expect(() => parseLabelledCsv('')).toThrow(TrainingCsvError);
  });
});

const toy = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? { label: 1, text: `amazing wonderful product love it great buy ${i}` }
      : { label: 0, text: `the hinge snapped after ${i} weeks, refund took a month` },
  );

describe('the text model', () => {
  const small = { ...TEXT_MODEL_DEFAULTS, features: { ...TEXT_MODEL_DEFAULTS.features, bits: 14 } };

  it('learns a separable toy set', () => {
    const model = fitTextModel(toy(40), small);
    expect(model.probability('love it, amazing wonderful product, great buy')).toBeGreaterThan(0.5);
    expect(model.probability('the hinge snapped after two weeks and the refund took a month')).toBeLessThan(0.5);
  });

  it('is deterministic: the same rows and seed give the same weights', () => {
    const a = fitTextModel(toy(30), small);
    const b = fitTextModel(toy(30), small);
    expect(Buffer.from(a.toBytes()).equals(Buffer.from(b.toBytes()))).toBe(true);
    expect(a.spec).toEqual(b.spec);
  });

  it('saved then loaded gives the same probabilities; bytes of another size are refused', () => {
    const a = fitTextModel(toy(30), small);
    const b = TextModel.fromBytes(JSON.parse(JSON.stringify(a.spec)), a.toBytes().slice());
    for (const text of ['great buy', 'hinge snapped', '', '\u0000\u0000', 'ü'.repeat(3000)])
      expect(b.probability(text)).toBe(a.probability(text));
    expect(() => TextModel.fromBytes(a.spec, new Uint8Array(12))).toThrow(/not 12 bytes/);
  });

  it('answers for hostile text: empty, NUL bytes, a huge string', () => {
    const model = fitTextModel(toy(20), small);
    for (const text of ['', '\u0000', ' \n\t ', 'x'.repeat(200_000), '\ud800'])
      expect(model.probability(text)).toSatisfy((p: number) => p >= 0 && p <= 1);
  });
});

describe('the metrics', () => {
  it('counts the confusion matrix and its figures', () => {
    const f = figures([0.9, 0.8, 0.2, 0.6, 0.1], [1, 1, 1, 0, 0]);
    expect(f.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 1 });
    expect(f.accuracy).toBeCloseTo(0.6);
    expect(f.precision).toBeCloseTo(2 / 3);
    expect(f.recall).toBeCloseTo(2 / 3);
  });

  it('re-weights negatives for the PR-AUC: a perfect ranking is 1, a ranking that tops with a negative is less', () => {
    expect(weightedAveragePrecision([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], 0.02)).toBe(1);
    // one negative on top, counted 2·0.98/0.02 = 98 times: the precision at each positive is 1/99 and 2/100
    expect(weightedAveragePrecision([0.5, 0.9, 0.4], [1, 0, 1], 0.02)).toBeCloseTo(0.5 * (1 / 99) + 0.5 * (2 / 100), 9);
  });

  it('stratified folds keep each class spread evenly and depend only on the seed', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i < 40 ? 1 : 0));
    const folds = stratifiedFolds(labels, 5, 7);
    for (let f = 0; f < 5; f++) {
      const pos = labels.filter((l, i) => l === 1 && folds[i] === f).length;
      expect(pos).toBe(8);
    }
    expect(stratifiedFolds(labels, 5, 7)).toEqual(folds);
  });
});
