import { describe, expect, it } from 'vitest';
import { advanceDrift, driftsOf, NO_DRIFT, shelfUnits } from '../src/emulators/shelf-drift.js';

const SKUS = Array.from({ length: 40 }, (_, i) => `SKU-${String(i + 1).padStart(2, '0')}`);

describe('the demo floor’s drift (a few tags missing or extra per episode, seeded)', () => {
  it('brings the same few drifts for the same store and episode, and others for another episode or store', () => {
    const a = driftsOf(SKUS, 7, 100);
    expect(a).toEqual(driftsOf(SKUS, 7, 100));
    expect(a).toHaveLength(3);
    expect(new Set(a.map((d) => d.sku)).size).toBe(3);
    for (const d of a) expect([-2, -1, 1]).toContain(d.delta);
    expect(driftsOf(SKUS, 7, 101)).not.toEqual(a);
    expect(driftsOf(SKUS, 8, 100)).not.toEqual(a);
  });

  it('misses more often than it finds extra units, over many episodes', () => {
    const all = Array.from({ length: 200 }, (_, e) => driftsOf(SKUS, 3, e)).flat();
    const missing = all.filter((d) => d.delta < 0).length;
    expect(missing / all.length).toBeGreaterThan(0.6);
    expect(missing).toBeLessThan(all.length); // some extra units turn up too
  });

  it('adds an episode’s drifts once, and the shelf shows them against the books', () => {
    const first = advanceDrift(NO_DRIFT, { episode: 5, skus: SKUS, seed: 1, adjustments: [] });
    const drifts = driftsOf(SKUS, 1, 5);
    for (const d of drifts) expect(shelfUnits(10, first, d.sku)).toBe(10 + d.delta);
    expect(shelfUnits(10, first, SKUS.find((s) => !drifts.some((d) => d.sku === s))!)).toBe(10);
    // the same episode again (the next refresh): nothing added twice
    expect(advanceDrift(first, { episode: 5, skus: SKUS, seed: 1, adjustments: [] })).toEqual(first);
  });

  it('is settled by the count’s adjustment, so the shelf and the books agree until the next episode', () => {
    const s = advanceDrift(NO_DRIFT, { episode: 9, skus: SKUS, seed: 2, adjustments: [] });
    const adjustments = driftsOf(SKUS, 2, 9); // the RFID count confirmed each drift and moved stock by it
    const settled = advanceDrift(s, { episode: 9, skus: SKUS, seed: 2, adjustments });
    expect(settled.pending).toEqual({});
    // stock moved by the drift: the shelf (books + 0) equals the adjusted books
    for (const d of adjustments) expect(shelfUnits(10 + d.delta, settled, d.sku)).toBe(10 + d.delta);
    const next = advanceDrift(settled, { episode: 10, skus: SKUS, seed: 2, adjustments: [] });
    expect(Object.keys(next.pending).length).toBeGreaterThan(0);
  });

  it('takes only what is its own: an adjustment the other way, or bigger than the drift, settles no further than zero', () => {
    const s = { episode: 1, pending: { A: -2, B: 1 } };
    const next = advanceDrift(s, {
      episode: 1,
      skus: SKUS,
      seed: 0,
      adjustments: [
        { sku: 'A', delta: 1 }, // a hand count the other way: not this drift
        { sku: 'B', delta: 5 }, // more than the drift
        { sku: 'C', delta: -1 }, // a sku without drift
      ],
    });
    expect(next.pending).toEqual({ A: -2 });
  });

  it('never puts fewer than no tags on a shelf', () => {
    expect(shelfUnits(1, { episode: 0, pending: { A: -2 } }, 'A')).toBe(0);
    expect(shelfUnits(0, { episode: 0, pending: { A: 1 } }, 'A')).toBe(1);
  });
});
