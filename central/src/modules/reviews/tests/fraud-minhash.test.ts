import { describe, expect, it } from 'vitest';
import { combine } from '../fraud/combine.js';
import {
  BANDS,
  estimateJaccard,
  HASHES,
  lshBuckets,
  minhash,
  normaliseText,
  signatureBytes,
  signatureFromBytes,
} from '../fraud/minhash.js';
import { TEXT_MODEL_CAP, textModelReason, textSize } from '../fraud/rules.js';
import { DEFAULT_FEATURES, hashedFeatures, normaliseText as featureText } from '../fraud/text-features.js';
import type { FraudReasonEntry } from '../types.js';

/** The pure parts of fraud scoring: MinHash signatures, their LSH bands, and the noisy-OR combination. */
const ORIGINAL =
  'I bought this kettle for my mother and she uses it every single morning. It boils a full litre in under three ' +
  'minutes, the handle stays cool, and the lid opens with one finger. The blue light is a bit bright at night but ' +
  'otherwise it is the best kettle we have owned in twenty years of making tea.';
const ONE_WORD_CHANGED = ORIGINAL.replace('mother', 'father');
const UNRELATED =
  'The running shoes fell apart after two weeks on the trail. The sole peeled off the left heel and customer ' +
  'service never answered my emails about a refund, so I would not order from this brand again.';

describe('MinHash and LSH', () => {
  it('finds a copy with one word changed similar (≥ 0.8) and sharing LSH buckets', () => {
    const a = minhash(ORIGINAL);
    const b = minhash(ONE_WORD_CHANGED);
    expect(a).toHaveLength(HASHES);
    expect(estimateJaccard(a, b)).toBeGreaterThanOrEqual(0.8);
    const shared = lshBuckets(a).filter((x, i) => lshBuckets(b)[i]!.bucket === x.bucket);
    expect(shared.length).toBeGreaterThan(0);
  });

  it('finds unrelated texts dissimilar, with no common bucket', () => {
    const a = minhash(ORIGINAL);
    const c = minhash(UNRELATED);
    expect(estimateJaccard(a, c)).toBeLessThan(0.2);
    const ca = lshBuckets(c);
    expect(lshBuckets(a).filter((x, i) => ca[i]!.bucket === x.bucket)).toEqual([]);
  });

  it('ignores case and punctuation, and uses character shingles for a short text', () => {
    expect(normaliseText('  GREAT — mug!!! 10/10 ')).toBe('great mug 10 10');
    expect(estimateJaccard(minhash('Great mug, love it!'), minhash('great mug love it'))).toBe(1);
    expect(estimateJaccard(minhash('Great mug, love it'), minhash('Great mug, loved it'))).toBeGreaterThan(0.5);
    expect(estimateJaccard(minhash('Great mug, love it'), minhash('Terrible kettle'))).toBeLessThan(0.2);
  });

  it('drops zero-width and other invisible code points before shingling: U+200B inside words hides no copy', () => {
    // the repro: an exact copy with U+200B after each word's first letter
    const zw = ORIGINAL.replace(/(\p{L})(\p{L}*)/gu, '$1\u200b$2');
    expect(zw).not.toBe(ORIGINAL);
    expect(normaliseText(zw)).toBe(normaliseText(ORIGINAL));
    expect(estimateJaccard(minhash(zw), minhash(ORIGINAL))).toBe(1);
    // soft hyphen, word joiner, ZWJ/ZWNJ, bidi marks, BOM, variation selector, combining grapheme joiner
    const invisible = ['\u00ad', '\u2060', '\u200d', '\u200c', '\u200e', '\u202e', '\ufeff', '\ufe0f', '\u034f'];
    for (const c of invisible) expect(normaliseText(`ket${c}tle${c}`), JSON.stringify(c)).toBe('kettle');
    expect(normaliseText('kettle\u200b\u200b\u200b')).toBe('kettle');
    expect(minhash('\u200b\u200b\u2060')).toHaveLength(0);
  });

  it("the text model's features ignore invisible code points too", () => {
    const zw = ORIGINAL.replace(/(\p{L})(\p{L}*)/gu, '$1\u200b$2').replace(/ /g, ' \u00ad');
    expect(featureText(zw)).toBe(featureText(ORIGINAL));
    expect(Array.from(hashedFeatures(zw, DEFAULT_FEATURES))).toEqual(
      Array.from(hashedFeatures(ORIGINAL, DEFAULT_FEATURES)),
    );
  });

  it('is deterministic, round-trips through bytes, and gives no signature or bucket to a text without words', () => {
    const a = minhash(ORIGINAL);
    expect(Array.from(minhash(ORIGINAL))).toEqual(Array.from(a));
    expect(Array.from(signatureFromBytes(signatureBytes(a)))).toEqual(Array.from(a));
    expect(lshBuckets(a)).toHaveLength(BANDS);
    expect(lshBuckets(a)).toEqual(lshBuckets(minhash(ORIGINAL)));
    expect(minhash('!!! ??? …')).toHaveLength(0);
    expect(lshBuckets(minhash('\u0000\u0000'))).toEqual([]);
    expect(estimateJaccard(new Uint32Array(0), new Uint32Array(0))).toBe(0);
  });
});

describe('the size of a text for near-duplicates', () => {
  it('counts normalised words, or letters in eights for a script without spaces', () => {
    expect(textSize('Good value for the money')).toBe(5);
    expect(textSize('Good\nVery good product.')).toBe(4);
    expect(textSize('  !!! ')).toBe(0);
    expect(textSize(ORIGINAL)).toBe(59);
    expect(
      textSize(
        '这个水壶非常好用每天早上都用它烧水三分钟就开了把手不烫盖子一按就开蓝色的灯晚上有点亮但总体来说是我们用过的最好的水壶'.repeat(
          2,
        ),
      ),
    ).toBe(14);
  });
});

const r = (code: FraudReasonEntry['code'], weight: number): FraudReasonEntry => ({ code, weight, detail: code });

describe('combining reasons', () => {
  it('approves a review nothing speaks against', () => {
    expect(combine([])).toEqual({ score: 0, decision: 'APPROVED', reasons: [] });
    expect(combine([r('UNVERIFIED', 0.05)]).decision).toBe('APPROVED');
  });

  it('sends the text model alone to a moderator but never rejects on it, even with no purchase', () => {
    const model = textModelReason(0.99)!;
    expect(model.weight).toBe(TEXT_MODEL_CAP);
    const v = combine([model, r('UNVERIFIED', 0.05)]);
    expect(v.decision).toBe('MANUAL_REVIEW');
    expect(v.score).toBe(0.81);
    expect(textModelReason(0.2)).toBeNull();
    expect(combine([textModelReason(0.4)!]).decision).toBe('APPROVED');
    expect(combine([r('TEXT_MODEL', 1)]).decision).toBe('MANUAL_REVIEW');
  });

  it('rejects the text model with a rule, and a near-duplicate with a burst, heaviest reason first', () => {
    const v = combine([r('NEW_ACCOUNT', 0.3), textModelReason(0.95)!]);
    expect(v).toMatchObject({ score: 0.86, decision: 'REJECTED' });
    expect(v.reasons.map((x) => x.code)).toEqual(['TEXT_MODEL', 'NEW_ACCOUNT']);
    const w = combine([r('IP_BURST', 0.55), r('NEAR_DUPLICATE', 0.7)]);
    expect(w).toMatchObject({ score: 0.865, decision: 'REJECTED' });
    expect(w.reasons.map((x) => x.code)).toEqual(['NEAR_DUPLICATE', 'IP_BURST']);
  });

  it('sends one rule, or two weak ones, to a moderator at most', () => {
    expect(combine([r('NEAR_DUPLICATE', 0.7)])).toMatchObject({ score: 0.7, decision: 'MANUAL_REVIEW' });
    expect(combine([r('NEW_ACCOUNT', 0.3), r('RATING_PATTERN', 0.3)])).toMatchObject({
      score: 0.51,
      decision: 'MANUAL_REVIEW',
    });
    expect(combine([r('PRODUCT_BURST', 0.4)]).decision).toBe('APPROVED');
  });
});
