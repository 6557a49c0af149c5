import { describe, expect, it } from 'vitest';
import {
  categoryCap,
  combine,
  fillsFrom,
  pick,
  type HybridSources,
  type PickContext,
  type ProductFacts,
  type Scored,
} from '../hybrid.js';
import { sessionAnchors } from '../session.js';
import type { Candidate, SurfaceWeights } from '../types.js';

/** The hybrid's rules on hand-made sources: what a shopper would see on the list, and the sentence under each item. */
const product = (sku: string, name: string, category: string, size: string | null = null): ProductFacts => ({
  sku,
  name,
  size,
  category,
  priceMinor: 199,
  currency: 'USD',
});
const PRODUCTS = new Map(
  [
    product('MILK', 'Whole milk', 'Dairy', '1 l'),
    product('BUTTER', 'Butter', 'Dairy', '250 g'),
    product('YOGHURT', 'Greek yoghurt', 'Dairy'),
    product('CHEESE', 'Cheddar', 'Dairy'),
    product('CREAM', 'Cream', 'Dairy'),
    product('BREAD', 'Sourdough bread', 'Bakery'),
    product('ROLLS', 'Bread rolls', 'Bakery'),
    product('COFFEE', 'Ground coffee', 'Drinks'),
    product('TEA', 'Black tea', 'Drinks'),
  ].map((p) => [p.sku, p]),
);
const c = (sku: string, score: number, why: string | null = null): Candidate => ({ sku, score, why });
const EVERY: SurfaceWeights = { personal: 1, boughtWith: 1, similar: 1, popular: 1, session: 1 };
const ONLY = (k: keyof SurfaceWeights, v = 1): SurfaceWeights => ({
  personal: 0,
  boughtWith: 0,
  similar: 0,
  popular: 0,
  session: 0,
  [k]: v,
});
const none: HybridSources = { anchors: [], session: [], personal: [], neighbours: new Map(), popular: [] };
const ctxOf = (over: Partial<PickContext> = {}): PickContext => ({
  products: PRODUCTS,
  excluded: new Set(),
  bought: new Set(),
  stock: null,
  limit: 10,
  ...over,
});

describe('combine: weighted sources', () => {
  it('a product page lists what is bought with the product first, with "Customers who bought <name and size> also bought this"', () => {
    const sources: HybridSources = {
      ...none,
      anchors: ['MILK'],
      neighbours: new Map([['MILK', { boughtWith: [c('BREAD', 1), c('COFFEE', 0.5)], similar: [c('BUTTER', 0.4)] }]]),
      popular: [{ scope: { kind: 'all' }, items: [c('TEA', 1)] }],
    };
    const items = pick(
      combine(sources, { personal: 0, boughtWith: 1, similar: 0.5, popular: 0.2, session: 0 }),
      ctxOf({ excluded: new Set(['MILK']) }),
    );
    expect(items.map((i) => [i.sku, i.reason])).toEqual([
      ['BREAD', 'Customers who bought Whole milk 1 l also bought this'],
      ['COFFEE', 'Customers who bought Whole milk 1 l also bought this'],
      ['BUTTER', 'Similar to Whole milk 1 l'],
      ['TEA', 'Popular right now'],
    ]);
    expect(items[0]).toMatchObject({ name: 'Sourdough bread', category: 'Bakery', priceMinor: 199, currency: 'USD' });
  });

  it('a weight of 0 leaves its source out, and the weights decide the order', () => {
    const sources: HybridSources = {
      ...none,
      personal: [c('COFFEE', 1)],
      popular: [{ scope: { kind: 'all' }, items: [c('TEA', 1)] }],
    };
    expect(combine(sources, ONLY('popular')).map((s) => s.sku)).toEqual(['TEA']);
    expect(combine(sources, { ...EVERY, popular: 0.1 }).map((s) => s.sku)).toEqual(['COFFEE', 'TEA']);
    expect(combine(sources, { ...EVERY, personal: 0.1, popular: 1 }).map((s) => s.sku)).toEqual(['TEA', 'COFFEE']);
  });

  it('a product found by several sources adds them up; its reason is the biggest one', () => {
    const sources: HybridSources = {
      ...none,
      anchors: ['MILK'],
      personal: [c('BREAD', 0.3, 'BUTTER')],
      neighbours: new Map([['MILK', { boughtWith: [c('BREAD', 0.6)], similar: [] }]]),
      popular: [{ scope: { kind: 'store' }, items: [c('BREAD', 0.5), c('TEA', 1)] }],
    };
    const [first] = combine(sources, EVERY);
    expect(first).toEqual({ sku: 'BREAD', score: 0.3 + 0.6 + 0.5, because: { kind: 'bought-with', sku: 'MILK' } });
  });

  it('popularity counts once per product, at its best scope: the store before the aisle before everyone', () => {
    const sources: HybridSources = {
      ...none,
      popular: [
        { scope: { kind: 'all' }, items: [c('BUTTER', 1), c('TEA', 1)] },
        { scope: { kind: 'category', category: 'Dairy' }, items: [c('BUTTER', 1)] },
        { scope: { kind: 'store' }, items: [c('COFFEE', 1)] },
      ],
    };
    const items = pick(combine(sources, ONLY('popular')), ctxOf());
    expect(items.map((i) => [i.sku, i.score, i.reason])).toEqual([
      ['COFFEE', 1, 'Popular at this store'],
      ['BUTTER', 0.8, 'Popular in Dairy'],
      ['TEA', 0.6, 'Popular right now'],
    ]);
  });

  it('personal candidates say why: what the customer bought, looked at, or simply "Picked for you"', () => {
    const sources: HybridSources = {
      ...none,
      personal: [c('BREAD', 1, 'MILK'), c('TEA', 0.9, 'COFFEE'), c('CREAM', 0.8, null), c('ROLLS', 0.7, 'GONE')],
    };
    const items = pick(
      combine(sources, ONLY('personal')),
      ctxOf({ bought: new Set(['MILK']), excluded: new Set(['MILK']) }),
    );
    expect(items.map((i) => i.reason)).toEqual([
      'Because you bought Whole milk 1 l',
      'Because you looked at Ground coffee',
      'Picked for you',
      'Picked for you',
    ]);
  });

  it('equal scores come in sku order, so the same inputs give the same list', () => {
    const sources: HybridSources = {
      ...none,
      popular: [{ scope: { kind: 'all' }, items: [c('TEA', 1), c('BREAD', 1)] }],
    };
    expect(combine(sources, EVERY).map((s) => s.sku)).toEqual(['BREAD', 'TEA']);
  });
});

describe('combine: the session re-ranks', () => {
  const popular = [{ scope: { kind: 'all' as const }, items: [c('TEA', 1), c('COFFEE', 0.9), c('CREAM', 0.8)] }];
  const neighbours = new Map([
    ['BREAD', { boughtWith: [c('BUTTER', 1)], similar: [c('ROLLS', 0.9), c('BUTTER', 0.2)] }],
  ]);
  const w: SurfaceWeights = { personal: 0, boughtWith: 0, similar: 0, popular: 0.4, session: 0.5 };

  it('a product just looked at pulls its neighbours above the popular list, "Because you looked at …"', () => {
    const before = pick(combine({ ...none, popular, neighbours }, w), ctxOf({ limit: 3 }));
    expect(before.map((i) => i.sku)).toEqual(['TEA', 'COFFEE', 'CREAM']);
    const session = sessionAnchors([{ sku: 'BREAD', kind: 'VIEW', at: 1_000 }], 1_000);
    const after = pick(
      combine({ ...none, popular, neighbours, session }, w),
      ctxOf({ limit: 3, excluded: new Set(['BREAD']) }),
    );
    expect(after.map((i) => [i.sku, i.reason])).toEqual([
      ['BUTTER', 'Because you looked at Sourdough bread'],
      ['ROLLS', 'Because you looked at Sourdough bread'],
      ['TEA', 'Popular right now'],
    ]);
    // a product in both neighbour lists counts once, at its better score
    expect(after[0]!.score).toBe(0.5);
  });

  it('an older view pulls less than a fresh one; a cart add reads "Customers who bought … also bought this"', () => {
    const now = 10 * 60_000;
    const fresh = combine(
      { ...none, neighbours, session: sessionAnchors([{ sku: 'BREAD', kind: 'VIEW', at: now }], now) },
      w,
    );
    const old = combine(
      { ...none, neighbours, session: sessionAnchors([{ sku: 'BREAD', kind: 'VIEW', at: 0 }], now) },
      w,
    );
    expect(old[0]!.score).toBeCloseTo(fresh[0]!.score / 2, 10);
    const cart = combine(
      { ...none, neighbours, session: sessionAnchors([{ sku: 'BREAD', kind: 'CART_ADD', at: now }], now) },
      w,
    );
    expect(pick(cart, ctxOf())[0]!.reason).toBe('Customers who bought Sourdough bread also bought this');
  });

  it('the session anchors are each product once, newest first, a cart add outranking a view', () => {
    expect(
      sessionAnchors(
        [
          { sku: 'BREAD', kind: 'VIEW', at: 5 },
          { sku: 'MILK', kind: 'VIEW', at: 9 },
          { sku: 'BREAD', kind: 'CART_ADD', at: 3 },
        ],
        10,
      ),
    ).toEqual([
      { sku: 'MILK', kind: 'VIEW', ageMs: 1 },
      { sku: 'BREAD', kind: 'CART_ADD', ageMs: 5 },
    ]);
  });
});

describe('pick: the business rules', () => {
  const scored = (skus: string[]): Scored[] =>
    skus.map((sku, i) => ({ sku, score: 1 - i / 100, because: { kind: 'popular', scope: { kind: 'all' } } }));

  it('never lists the anchors themselves or what the customer bought', () => {
    const items = pick(scored(['MILK', 'BREAD', 'TEA']), ctxOf({ excluded: new Set(['MILK', 'TEA']) }));
    expect(items.map((i) => i.sku)).toEqual(['BREAD']);
  });

  it('lists only products the catalog holds', () => {
    expect(pick(scored(['GHOST', 'BREAD']), ctxOf()).map((i) => i.sku)).toEqual(['BREAD']);
  });

  it('with a store chosen, only what it has in stock (a sku it does not stock is out)', () => {
    const stock = new Map([
      ['BREAD', 0],
      ['TEA', 3],
    ]);
    expect(pick(scored(['BREAD', 'TEA', 'COFFEE']), ctxOf({ stock })).map((i) => i.sku)).toEqual(['TEA']);
    expect(pick(scored(['BREAD', 'TEA', 'COFFEE']), ctxOf({ stock: null })).map((i) => i.sku)).toEqual([
      'BREAD',
      'TEA',
      'COFFEE',
    ]);
  });

  it('at most ⌈limit/3⌉ from one category while other categories have something', () => {
    expect(categoryCap(10)).toBe(4);
    expect(categoryCap(3)).toBe(1);
    const items = pick(scored(['MILK', 'BUTTER', 'YOGHURT', 'CHEESE', 'CREAM', 'BREAD', 'TEA']), ctxOf({ limit: 6 }));
    // CREAM (Dairy's fifth) stays out; the two Dairy products held back fill the list; served best first
    expect(items.map((i) => i.sku)).toEqual(['MILK', 'BUTTER', 'YOGHURT', 'CHEESE', 'BREAD', 'TEA']);
    // two categories only: Dairy's cap (2 of 6) fills up once Drinks has nothing left, best first
    const dairy = pick(scored(['MILK', 'BUTTER', 'YOGHURT', 'CHEESE', 'TEA']), ctxOf({ limit: 6 }));
    expect(dairy.map((i) => i.sku)).toEqual(['MILK', 'BUTTER', 'YOGHURT', 'CHEESE', 'TEA']);
    const three = pick(scored(['MILK', 'BUTTER', 'YOGHURT', 'BREAD', 'TEA']), ctxOf({ limit: 3 }));
    expect(three.map((i) => i.sku)).toEqual(['MILK', 'BREAD', 'TEA']);
  });

  it('at most `limit` items', () => {
    expect(pick(scored([...PRODUCTS.keys()]), ctxOf({ limit: 2 }))).toHaveLength(2);
  });

  it('a list that fills from its best products is the list the whole shortlist gives (serving looks up no further)', () => {
    const all = scored(['MILK', 'BUTTER', 'YOGHURT', 'BREAD', 'TEA', 'COFFEE', 'ROLLS', 'CHEESE', 'CREAM']);
    const stock = new Map([...PRODUCTS.keys()].map((sku) => [sku, sku === 'BREAD' ? 0 : 5]));
    const rules = ctxOf({ limit: 3, stock });
    // one of 3 per category and BREAD out of stock: MILK, then TEA (COFFEE held back), then ROLLS fills the list
    expect(fillsFrom(all.slice(0, 4), rules)).toBe(false);
    expect(fillsFrom(all.slice(0, 6), rules)).toBe(false);
    expect(fillsFrom(all.slice(0, 7), rules)).toBe(true);
    const whole = pick(all, rules).map((i) => i.sku);
    expect(whole).toEqual(['MILK', 'TEA', 'ROLLS']);
    expect(pick(all.slice(0, 7), rules).map((i) => i.sku)).toEqual(whole);
    // short of products, the held-back ones fill the list: only the whole shortlist gives that answer
    expect(pick(all.slice(0, 4), rules).map((i) => i.sku)).toEqual(['MILK', 'BUTTER', 'YOGHURT']);
    expect(fillsFrom(all, ctxOf({ limit: 10 }))).toBe(false);
  });
});
