import { describe, expect, it } from 'vitest';
import {
  betaDraw,
  betaQuantile,
  chanceBest,
  ctrInterval,
  gammaDraw,
  incompleteBeta,
  logGamma,
  seededUniform,
  thompsonPick,
} from '../experiments-stats.js';

/** The A/B statistics against closed forms and the moments of the distributions they draw from. */
describe('the A/B statistics', () => {
  it('ln Γ matches the factorials and Γ(1/2) = √π', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(11)).toBeCloseTo(Math.log(3_628_800), 10);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 10);
  });

  it('the incomplete beta and its inverse match closed forms: Beta(1, 1) is uniform, Beta(a, 1) has CDF x^a', () => {
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 10);
    expect(incompleteBeta(0.5, 3, 1)).toBeCloseTo(0.125, 10);
    expect(incompleteBeta(0.5, 1, 3)).toBeCloseTo(1 - 0.5 ** 3, 10);
    expect(betaQuantile(0.3, 1, 1)).toBeCloseTo(0.3, 8);
    expect(betaQuantile(0.5, 3, 1)).toBeCloseTo(0.5 ** (1 / 3), 8);
    expect(betaQuantile(0.9, 1, 4)).toBeCloseTo(1 - 0.1 ** (1 / 4), 8);
    // symmetric: the median of Beta(a, a) is 1/2
    expect(betaQuantile(0.5, 40, 40)).toBeCloseTo(0.5, 8);
  });

  it('the 95 % interval holds the observed CTR and narrows with more impressions, also for a rare click', () => {
    const few = ctrInterval({ impressions: 100, clicks: 10 });
    const many = ctrInterval({ impressions: 100_000, clicks: 10_000 });
    expect(few.ctr).toBe(0.1);
    expect(few.low).toBeLessThan(0.1);
    expect(few.high).toBeGreaterThan(0.1);
    expect(many.high - many.low).toBeLessThan((few.high - few.low) / 10);
    // near the normal approximation when the counts are large
    const sd = Math.sqrt((10_001 * 90_001) / (100_002 ** 2 * 100_003));
    expect(many.low).toBeCloseTo(10_001 / 100_002 - 1.96 * sd, 4);
    // 5 clicks in a million: skewed, the interval is not symmetric about the rate
    const rare = ctrInterval({ impressions: 1_000_000, clicks: 5 });
    expect(rare.low).toBeGreaterThan(0);
    expect(rare.high - 6e-6).toBeGreaterThan(6e-6 - rare.low);
    // nothing seen: the uniform prior's central 95 %
    expect(ctrInterval({ impressions: 0, clicks: 0 })).toEqual({
      ctr: 0,
      low: expect.closeTo(0.025, 8),
      high: expect.closeTo(0.975, 8),
    });
  });

  it('Gamma and Beta draws have the right mean and variance (Marsaglia–Tsang, small shapes too)', () => {
    const random = seededUniform(7);
    const n = 100_000;
    for (const shape of [0.5, 1, 3.5, 50]) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = gammaDraw(shape, random);
        s += x;
        s2 += x * x;
      }
      const mean = s / n;
      expect(mean).toBeCloseTo(shape, shape < 5 ? 1 : 0);
      expect((s2 / n - mean * mean) / shape).toBeCloseTo(1, 1);
    }
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = betaDraw(3, 7, random);
      s += x;
      s2 += x * x;
    }
    expect(s / n).toBeCloseTo(0.3, 2);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(21 / 1100, 3);
  });

  it('chance best: the clearly better variant is nearly sure, a tie splits, the figures repeat for the same counts', () => {
    const [worse, better] = chanceBest([
      { impressions: 10_000, clicks: 300 },
      { impressions: 10_000, clicks: 500 },
    ]);
    expect(better).toBeGreaterThan(0.99);
    expect(worse! + better!).toBeCloseTo(1, 10);
    const tie = chanceBest([
      { impressions: 1_000, clicks: 100 },
      { impressions: 1_000, clicks: 100 },
    ]);
    expect(tie[0]).toBeGreaterThan(0.45);
    expect(tie[0]).toBeLessThan(0.55);
    expect(
      chanceBest([
        { impressions: 5, clicks: 1 },
        { impressions: 9, clicks: 2 },
      ]),
    ).toEqual(
      chanceBest([
        { impressions: 5, clicks: 1 },
        { impressions: 9, clicks: 2 },
      ]),
    );
  });

  it('Thompson sampling serves the better variant most, and still tries an unproven one', () => {
    const random = seededUniform(11);
    const variants = [
      { impressions: 2_000, clicks: 40 },
      { impressions: 2_000, clicks: 120 },
      { impressions: 0, clicks: 0 },
    ];
    const served = [0, 0, 0];
    for (let i = 0; i < 2_000; i++) served[thompsonPick(variants, random)]!++;
    expect(served[1]).toBeGreaterThan(served[0]! * 5);
    expect(served[2]).toBeGreaterThan(0);
    expect(thompsonPick([], random)).toBe(-1);
  });
});
