import { describe, expect, it } from 'vitest';
import { buildMatrix, evaluateAtK, popularity, splitPerUser, transpose, type Triple } from '../models/index.js';

describe('the interaction matrix', () => {
  it('sums repeated pairs, keeps columns ascending, and transposes back to itself', () => {
    const m = buildMatrix(3, 4, [
      { u: 2, i: 3, w: 1 },
      { u: 0, i: 2, w: 4 },
      { u: 0, i: 1, w: 1 },
      { u: 0, i: 2, w: 2 },
      { u: 2, i: 0, w: 1 },
    ]);
    expect([...m.rowPtr]).toEqual([0, 2, 2, 4]);
    expect([...m.cols]).toEqual([1, 2, 0, 3]);
    expect([...m.vals]).toEqual([1, 6, 1, 1]);
    const t = transpose(m);
    expect([t.nUsers, t.nItems]).toEqual([4, 3]);
    expect([...t.rowPtr]).toEqual([0, 1, 2, 3, 4]);
    expect(transpose(t)).toEqual(m);
    expect([...popularity(m)]).toEqual([1, 1, 6, 1]);
    expect([...popularity(m, 'users')]).toEqual([1, 1, 1, 1]);
  });

  it('refuses an index outside the sizes or a weight that is not positive', () => {
    expect(() => buildMatrix(2, 2, [{ u: 2, i: 0, w: 1 }])).toThrow(RangeError);
    expect(() => buildMatrix(2, 2, [{ u: 0, i: -1, w: 1 }])).toThrow(RangeError);
    expect(() => buildMatrix(2, 2, [{ u: 0, i: 0, w: 0 }])).toThrow(RangeError);
    expect(() => buildMatrix(2, 2, [{ u: 0, i: 0, w: Number.NaN }])).toThrow(RangeError);
  });
});

describe('P@k, R@k and nDCG@k', () => {
  it('gives a perfect ranking nDCG 1', () => {
    const test = new Map([[0, new Set([4, 7])]]);
    const r = evaluateAtK(() => [7, 4, 1], test, 10);
    expect(r.ndcg).toBeCloseTo(1, 10);
    expect(r.precision).toBeCloseTo(0.2, 10);
    expect(r.recall).toBe(1);
  });

  it('matches hand-computed values and averages over the users with held-out items', () => {
    const test = new Map([
      [0, new Set([1, 2])],
      [1, new Set([9])],
      [2, new Set<number>()],
    ]);
    // User 0: hits at ranks 0 and 2 → DCG 1 + 1/log2(4) = 1.5, ideal 1 + 1/log2(3); user 1: no hit.
    const r = evaluateAtK((u) => (u === 0 ? [1, 5, 2] : [3, 4, 5]), test, 3);
    const ndcg0 = 1.5 / (1 + 1 / Math.log2(3));
    expect(r.users).toBe(2);
    expect(r.ndcg).toBeCloseTo(ndcg0 / 2, 10);
    expect(r.precision).toBeCloseTo(2 / 3 / 2, 10);
    expect(r.recall).toBeCloseTo(0.5, 10);
  });

  it('takes the ideal DCG over min(k, |test|), ignores places past k, and counts a repeated item once', () => {
    const test = new Map([[0, new Set([1, 2, 3, 4, 5])]]);
    // k = 2 with five relevant: the ideal is the two first places; a hit at place 3 does not count.
    expect(evaluateAtK(() => [1, 8, 2], test, 2).ndcg).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 10);
    expect(evaluateAtK(() => [1, 1], test, 2).precision).toBeCloseTo(0.5, 10);
  });
});

describe('the per-user split', () => {
  const triples: Triple[] = [];
  for (let u = 0; u < 50; u++) for (let i = 0; i <= u % 12; i++) triples.push({ u, i: (u * 7 + i * 3) % 40, w: 1 });
  // A repeated interaction with an item: both copies must land on the same side.
  triples.push({ u: 11, i: (11 * 7) % 40, w: 2 });

  it('holds out about the fraction per user, keeps at least one training item each, and never splits an item', () => {
    const { train, test } = splitPerUser(triples, 0.2, 1);
    for (let u = 0; u < 50; u++) {
      const mine = new Set(triples.filter((t) => t.u === u).map((t) => t.i));
      const trained = new Set(train.filter((t) => t.u === u).map((t) => t.i));
      const held = test.get(u) ?? new Set<number>();
      expect(trained.size).toBeGreaterThanOrEqual(1);
      expect(held.size).toBe(Math.min(mine.size - 1, Math.round(mine.size * 0.2)));
      for (const i of held) expect(trained.has(i)).toBe(false);
      expect(trained.size + held.size).toBe(mine.size);
    }
    expect(test.has(0)).toBe(false);
  });

  it('is the same for the same seed, whatever the input order, and differs for another seed', () => {
    const a = splitPerUser(triples, 0.2, 1);
    const b = splitPerUser([...triples].reverse(), 0.2, 1);
    const c = splitPerUser(triples, 0.2, 2);
    const sets = (m: Map<number, Set<number>>) => [...m].map(([u, s]) => [u, [...s].sort((x, y) => x - y)]);
    expect(sets(b.test).sort()).toEqual(sets(a.test).sort());
    expect(sets(c.test)).not.toEqual(sets(a.test));
  });
});
