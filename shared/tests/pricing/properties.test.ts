import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { price } from '../../src/pricing/engine.js';
import type { BasketLine, PricingRules, Promotion, PromotionRule } from '../../src/pricing/types.js';
import { ctx, rules, T0 } from './helpers.js';

const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'];
const CATS = ['x', 'y'];
const catOf = (sku: string) => CATS[sku.charCodeAt(0) % 2]!;
const target = fc.oneof(
  fc.record({ skus: fc.subarray(SKUS, { minLength: 1 }) }),
  fc.record({ categories: fc.subarray(CATS, { minLength: 1 }) }),
);
const rule: fc.Arbitrary<PromotionRule> = fc.oneof(
  fc.record({ kind: fc.constant('PERCENT_OFF' as const), target, bp: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant('AMOUNT_OFF' as const), target, amountMinor: fc.integer({ min: 0, max: 800 }) }),
  fc
    .record({ target, buy: fc.integer({ min: 2, max: 4 }), k: fc.integer({ min: 0, max: 3 }) })
    .map(({ target, buy, k }) => ({ kind: 'MULTI_BUY' as const, target, buy, payFor: Math.min(k, buy - 1) })),
  fc.record({
    kind: fc.constant('MULTI_BUY' as const),
    target,
    buy: fc.integer({ min: 2, max: 4 }),
    priceMinor: fc.integer({ min: 0, max: 1500 }),
  }),
  fc.record({
    kind: fc.constant('BOGO' as const),
    target,
    buy: fc.integer({ min: 1, max: 3 }),
    get: fc.integer({ min: 1, max: 2 }),
    bp: fc.integer({ min: 0, max: 10_000 }),
  }),
  fc.record({
    kind: fc.constant('MIX_MATCH' as const),
    target,
    qty: fc.integer({ min: 2, max: 4 }),
    priceMinor: fc.integer({ min: 0, max: 1500 }),
  }),
  fc.record({
    kind: fc.constant('THRESHOLD' as const),
    spendMinor: fc.integer({ min: 0, max: 5000 }),
    offMinor: fc.integer({ min: 0, max: 3000 }),
  }),
  fc.record({ kind: fc.constant('MEMBER_PRICE' as const), target, priceMinor: fc.integer({ min: 0, max: 900 }) }),
);
const promotions = fc.array(
  fc.record({
    rule,
    priority: fc.integer({ min: 0, max: 5 }),
    stacking: fc.constantFrom('EXCLUSIVE' as const, 'STACKABLE' as const, 'BEST_OF' as const),
  }),
  { maxLength: 6 },
);
const toRules = (ps: { rule: PromotionRule; priority: number; stacking: Promotion['stacking'] }[]): PricingRules =>
  rules({
    promotions: ps.map((p, i) => ({
      id: `p${i}`,
      name: `promo ${i}`,
      from: T0 - 1,
      to: null,
      revision: i,
      ...p,
    })),
  });
const basketLine = fc.record({
  sku: fc.constantFrom(...SKUS),
  qty: fc.integer({ min: 1, max: 4 }),
});
// One catalog price per sku, so merged duplicates agree.
const PRICE: Record<string, number> = { A: 250, B: 399, C: 1000, D: 75, E: 600, F: 1 };
const toLines = (ls: { sku: string; qty: number }[]): BasketLine[] =>
  ls.map((l) => ({ ...l, catalogPriceMinor: PRICE[l.sku]!, taxClass: 'standard', category: catOf(l.sku) }));
const basket = fc.array(basketLine, { maxLength: 8 });
const member = fc.boolean();
const RUNS = { numRuns: 400 };

describe('pricing properties', () => {
  it('totals are never negative; a line never discounts more than its gross; sums add up', () => {
    fc.assert(
      fc.property(promotions, basket, member, (ps, b, m) => {
        const p = price(toLines(b), toRules(ps), ctx({ member: m }));
        expect(p.totalMinor).toBeGreaterThanOrEqual(0);
        for (const l of p.lines) {
          expect(l.discountMinor).toBeLessThanOrEqual(l.grossMinor);
          expect(l.netMinor).toBeGreaterThanOrEqual(0);
          expect(l.discountMinor).toBe(l.promotions.reduce((a, x) => a + x.discountMinor, 0));
        }
        expect(p.discountMinor).toBe(p.promotions.reduce((a, x) => a + x.discountMinor, 0));
        expect(p.totalMinor).toBe(p.subtotalMinor + p.taxMinor);
      }),
      RUNS,
    );
  });

  it('does not depend on line order, and the same basket priced twice is identical', () => {
    fc.assert(
      fc.property(promotions, basket, member, fc.integer(), (ps, b, m, seed) => {
        const r = toRules(ps);
        const c = ctx({ member: m });
        const first = price(toLines(b), r, c);
        const shuffled = [...b].sort((x, y) => ((x.sku.charCodeAt(0) * seed) % 7) - ((y.sku.charCodeAt(0) * seed) % 7));
        expect(price(toLines(shuffled), r, c)).toEqual(first);
        expect(price(toLines(b), toRules(ps), c)).toEqual(first);
      }),
      RUNS,
    );
  });

  it('adding an item never lowers the total unless an applied promotion says it may', () => {
    fc.assert(
      fc.property(promotions, basket, basketLine, member, (ps, b, extra, m) => {
        const r = toRules(ps);
        const c = ctx({ member: m });
        const before = price(toLines(b), r, c);
        const after = price(toLines([...b, { ...extra, qty: 1 }]), r, c);
        if (after.promotions.some((x) => x.lowersTotal)) return;
        expect(after.totalMinor).toBeGreaterThanOrEqual(before.totalMinor);
      }),
      { numRuns: 1500 },
    );
  });
});
