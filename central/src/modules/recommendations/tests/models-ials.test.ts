import { describe, expect, it } from 'vitest';
import {
  buildMatrix,
  foldInUsers,
  hasItem,
  type InteractionMatrix,
  scoreItemsForUser,
  seededRng,
  type Triple,
  topN,
  trainIals,
} from '../models/index.js';

/** 4 taste blocks of 10 users × 10 items; each user has 7 of their block's items, so 3 are theirs to discover. */
function plantedBlocks(): { m: InteractionMatrix; blockOf: (x: number) => number } {
  const rng = seededRng(5);
  const triples: Triple[] = [];
  for (let u = 0; u < 40; u++) {
    const block = Math.floor(u / 10);
    const items = Array.from({ length: 10 }, (_, k) => block * 10 + k);
    for (let k = items.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [items[k], items[j]] = [items[j]!, items[k]!];
    }
    for (const i of items.slice(0, 7)) triples.push({ u, i, w: 1 });
  }
  return { m: buildMatrix(40, 40, triples), blockOf: (x) => Math.floor(x / 10) };
}

/** Regularised enough that 8 factors do not memorise 4 blocks' noise (every seed 1–4 recovers them all). */
const SMALL = { factors: 8, regularization: 5, alpha: 10, iterations: 10, cgSteps: 3, seed: 3 };

describe('iALS', () => {
  it('recovers planted taste blocks: every user’s unseen items of their own block rank above all others', () => {
    const { m, blockOf } = plantedBlocks();
    const model = trainIals(m, SMALL);
    for (let u = 0; u < m.nUsers; u++) {
      const top = topN(scoreItemsForUser(model, u), 3, (i) => hasItem(m, u, i));
      expect([...top.items].map(blockOf)).toEqual([blockOf(u), blockOf(u), blockOf(u)]);
    }
  });

  it('gives the same factors for the same seed, and others for another seed', () => {
    const { m } = plantedBlocks();
    const a = trainIals(m, SMALL);
    const b = trainIals(m, SMALL);
    const c = trainIals(m, { ...SMALL, seed: 4 });
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
    expect(c.itemFactors).not.toEqual(a.itemFactors);
  });

  it('stops when its signal is aborted between iterations, throwing the reason, and reports progress until then', () => {
    const { m } = plantedBlocks();
    const controller = new AbortController();
    const seen: number[] = [];
    expect(() =>
      trainIals(m, {
        ...SMALL,
        signal: controller.signal,
        onIteration: (it) => {
          seen.push(it);
          if (it === 2) controller.abort(new Error('hub stopping'));
        },
      }),
    ).toThrow('hub stopping');
    expect(seen).toEqual([1, 2]);
    expect(() => trainIals(m, { ...SMALL, signal: AbortSignal.abort(new Error('already')) })).toThrow('already');
  });

  it('refuses options out of range', () => {
    const { m } = plantedBlocks();
    expect(() => trainIals(m, { ...SMALL, factors: 0 })).toThrow(RangeError);
    expect(() => trainIals(m, { ...SMALL, regularization: 0 })).toThrow(RangeError);
    expect(() => trainIals(m, { ...SMALL, cgSteps: 0 })).toThrow(RangeError);
  });
});

/** Solves A x = b by Gaussian elimination with partial pivoting (the reference for the CG solve). */
function solveExactly(a: number[][], b: number[]): number[] {
  const n = b.length;
  const rows = a.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(rows[r]![c]!) > Math.abs(rows[pivot]![c]!)) pivot = r;
    [rows[c], rows[pivot]] = [rows[pivot]!, rows[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = rows[r]![c]! / rows[c]![c]!;
      for (let j = c; j <= n; j++) rows[r]![j]! -= k * rows[c]![j]!;
    }
  }
  return rows.map((r, i) => r[n]! / r[i]!);
}

describe('the conjugate-gradient solve', () => {
  it('matches an exact solve of (YᵀC_uY + λI) x = YᵀC_u p on a tiny problem', () => {
    const f = 4;
    const nItems = 6;
    const rng = seededRng(9);
    const y = Float32Array.from({ length: nItems * f }, () => rng.normal());
    const m = buildMatrix(2, nItems, [
      { u: 0, i: 1, w: 1 },
      { u: 0, i: 4, w: 3 },
      { u: 1, i: 0, w: 2 },
      { u: 1, i: 2, w: 1 },
      { u: 1, i: 5, w: 1 },
    ]);
    const opts = { factors: f, regularization: 0.3, alpha: 2, cgSteps: f };
    const x = foldInUsers(m, y, opts);
    for (let u = 0; u < 2; u++) {
      // The full system, built cell by cell: confidence 1 + alpha·w where u interacted, 1 elsewhere.
      const a = Array.from({ length: f }, (_, r) => Array.from({ length: f }, (_, c) => (r === c ? 0.3 : 0)));
      const b = new Array<number>(f).fill(0);
      for (let i = 0; i < nItems; i++) {
        const w = [...m.cols.subarray(m.rowPtr[u]!, m.rowPtr[u + 1]!)].indexOf(i);
        const c = w < 0 ? 1 : 1 + 2 * m.vals[m.rowPtr[u]! + w]!;
        const p = w < 0 ? 0 : 1;
        for (let r = 0; r < f; r++) {
          b[r]! += c * p * y[i * f + r]!;
          for (let s = 0; s < f; s++) a[r]![s]! += c * y[i * f + r]! * y[i * f + s]!;
        }
      }
      const exact = solveExactly(a, b);
      for (let r = 0; r < f; r++) expect(x[u * f + r]!).toBeCloseTo(exact[r]!, 3);
    }
    // Two steps are not yet the answer; warm-started from there, each further round of two comes closer.
    const gap = (v: Float32Array) => Math.max(...[...v].map((z, k) => Math.abs(z - x[k]!)));
    let v = foldInUsers(m, y, { ...opts, cgSteps: 2 });
    const first = gap(v);
    for (let round = 0; round < 10; round++) v = foldInUsers(m, y, { ...opts, cgSteps: 2 }, v);
    expect(first).toBeGreaterThan(1e-2);
    expect(gap(v)).toBeLessThan(first / 10);
  });
});
