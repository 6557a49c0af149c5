import { describe, expect, it } from 'vitest';
import {
  buildMatrix,
  contentNeighbours,
  itemNeighbours,
  knnScoresForUser,
  neighboursOf,
  productTokens,
  seededRng,
  type Triple,
  topN,
} from '../models/index.js';

describe('item-kNN (bought together)', () => {
  /** 60 shoppers buying 20 products at random, and 12 of them also buying bread (3) with butter (11). */
  function basket(): Triple[] {
    const rng = seededRng(11);
    const triples: Triple[] = [];
    for (let u = 0; u < 60; u++) {
      for (let n = 0; n < 3; n++) {
        const i = rng.int(20);
        if (i !== 3 && i !== 11) triples.push({ u, i, w: 1 });
      }
      if (u % 5 === 0) triples.push({ u, i: 3, w: 4 }, { u, i: 11, w: 4 });
    }
    return triples;
  }

  it('finds the planted co-purchase first, both ways, and recommends butter to someone with bread', () => {
    const m = buildMatrix(61, 20, [...basket(), { u: 60, i: 3, w: 4 }]);
    const nb = itemNeighbours(m, { k: 5, shrink: 2 });
    expect(neighboursOf(nb, 3)[0]!.item).toBe(11);
    expect(neighboursOf(nb, 11)[0]!.item).toBe(3);
    expect(neighboursOf(nb, 3).every((n, k, all) => k === 0 || all[k - 1]!.score >= n.score)).toBe(true);
    const scores = knnScoresForUser(m, nb, 60);
    expect(topN(scores, 1, (i) => i === 3).items[0]).toBe(11);
  });

  it('keeps at most k per item, never the item itself, and marks empty places −1', () => {
    const m = buildMatrix(3, 5, [
      { u: 0, i: 0, w: 1 },
      { u: 0, i: 1, w: 1 },
      { u: 1, i: 1, w: 1 },
      { u: 1, i: 2, w: 1 },
      { u: 2, i: 4, w: 1 },
    ]);
    const nb = itemNeighbours(m, { k: 3, shrink: 0 });
    expect(nb.items.length).toBe(15);
    expect(neighboursOf(nb, 1).map((n) => n.item)).toEqual([0, 2]);
    expect(neighboursOf(nb, 4)).toEqual([]);
    expect([...nb.items.subarray(12, 15)]).toEqual([-1, -1, -1]);
    for (let i = 0; i < 5; i++) expect(neighboursOf(nb, i).some((n) => n.item === i)).toBe(false);
  });

  it('shrinkage ranks a pair seen together by many above a pair seen once', () => {
    // Items 0 and 1 are always together for 10 users; 2 and 3 once (a perfect cosine of 1 on one user).
    const triples: Triple[] = [];
    for (let u = 0; u < 10; u++) triples.push({ u, i: 0, w: 1 }, { u, i: 1, w: 1 });
    triples.push({ u: 10, i: 2, w: 1 }, { u: 10, i: 3, w: 1 }, { u: 10, i: 0, w: 1 });
    const m = buildMatrix(11, 4, triples);
    const plain = itemNeighbours(m, { k: 3, shrink: 0 });
    const shrunk = itemNeighbours(m, { k: 3, shrink: 5 });
    expect(neighboursOf(plain, 2)[0]!.score).toBeCloseTo(1, 5);
    expect(neighboursOf(shrunk, 0)[0]!.score).toBeGreaterThan(neighboursOf(shrunk, 2)[0]!.score);
  });
});

describe('content neighbours', () => {
  const products = [
    { name: 'Whole milk 1 l', brand: 'Dairyland', category: 'Dairy' },
    { name: 'Semi-skimmed milk 1 l', brand: 'Dairyland', category: 'Dairy' },
    { name: 'Oat drink 1 l', brand: 'Oatly', category: 'Plant drinks', tags: ['vegan'] },
    { name: 'Oat drink barista 1 l', brand: 'Oatly', category: 'Plant drinks', tags: ['vegan'] },
    { name: 'Cheddar 400 g', brand: 'Dairyland', category: 'Cheese' },
    { name: 'Mystery box', brand: null, category: 'Misc' },
  ];

  it('tokenises category, brand, name words and tags, dropping sizes and one-letter words', () => {
    expect(productTokens(products[2]!)).toEqual([
      'category:plant drinks',
      'brand:oatly',
      'word:oat',
      'word:drink',
      'tag:vegan',
    ]);
    expect(productTokens({ name: 'x'.repeat(10).split('').join(' '), brand: null, category: ' ' })).toEqual([]);
  });

  it('finds the product sharing the most telling tokens first', () => {
    const nb = contentNeighbours(
      products.map((p) => ({ tokens: productTokens(p) })),
      { k: 3 },
    );
    expect(neighboursOf(nb, 0)[0]!.item).toBe(1);
    expect(neighboursOf(nb, 2)[0]!.item).toBe(3);
    // Cheddar shares only the brand with the milks, nothing with the oat drinks.
    expect(neighboursOf(nb, 4).map((n) => n.item)).toEqual([0, 1]);
    expect(neighboursOf(nb, 5)).toEqual([]);
    expect(neighboursOf(nb, 0)[0]!.score).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('still finds close neighbours when a common token is scanned only in a window', () => {
    // 500 products of one category; pairs share a rare word. A window of 50 over the category's list must not hide
    // the pair (found through the rare word), nor leave anyone without neighbours.
    const items = Array.from({ length: 500 }, (_, i) => ({ tokens: ['category:food', `word:w${Math.floor(i / 2)}`] }));
    const nb = contentNeighbours(items, { k: 4, maxScan: 50 });
    for (const i of [0, 1, 250, 499]) {
      expect(neighboursOf(nb, i)[0]!.item).toBe(i ^ 1);
      expect(neighboursOf(nb, i).length).toBe(4);
    }
  });
});

describe('topN', () => {
  it('returns the best first, leaves out excluded and NaN, breaks ties by the lower index', () => {
    const scores = Float32Array.from([0.5, 0.9, Number.NaN, 0.9, 0.1, 0.7]);
    const top = topN(scores, 3, (i) => i === 5);
    expect([...top.items]).toEqual([1, 3, 0]);
    expect([...top.scores]).toEqual([Math.fround(0.9), Math.fround(0.9), 0.5]);
    expect([...topN(scores, 10).items]).toEqual([1, 3, 5, 0, 4]);
    expect(topN(scores, 0).items.length).toBe(0);
  });
});
