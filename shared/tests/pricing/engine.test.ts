import { describe, expect, it } from 'vitest';
import { price } from '../../src/pricing/engine.js';
import { newSigningKeyPair, signCoupon } from '../../src/pricing/signing.js';
import type { PriceEntry } from '../../src/pricing/types.js';
import { ctx, line, promo, rules, STORE_B, T0 } from './helpers.js';

const entry = (over: Partial<PriceEntry>): PriceEntry => ({
  bookId: 'chain',
  scope: 'CHAIN',
  sku: 'A',
  priceMinor: 500,
  memberPriceMinor: null,
  from: T0 - 1000,
  to: null,
  revision: 1,
  ...over,
});

describe('prices from books', () => {
  it('the most specific scope holding the time wins, then the latest from, then the highest revision', () => {
    const r = rules({
      prices: [
        entry({ bookId: 'chain', priceMinor: 500 }),
        entry({ bookId: 'north', scope: 'REGION', priceMinor: 450 }),
        entry({ bookId: 'storeA', scope: 'STORE', priceMinor: 400, to: T0 }),
        entry({ bookId: 'north2', scope: 'REGION', priceMinor: 430, from: T0 - 500, revision: 2 }),
        entry({ bookId: 'north3', scope: 'REGION', priceMinor: 420, from: T0 - 500, revision: 3 }),
      ],
    });
    const p = price([line('A', 2, 999)], r, ctx());
    expect(p.lines[0]).toMatchObject({ unitPriceMinor: 420, priceBookId: 'north3', grossMinor: 840, taxMinor: 84 });
    // Before the store's entry ended it won.
    expect(price([line('A', 1, 999)], r, ctx({ at: T0 - 1 })).lines[0]!.unitPriceMinor).toBe(400);
    // A sku no book has keeps the catalog's price.
    expect(price([line('Z', 1, 999)], r, ctx()).lines[0]).toMatchObject({ unitPriceMinor: 999, priceBookId: null });
  });

  it('a future price takes effect exactly at its from', () => {
    const r = rules({
      prices: [entry({ priceMinor: 500 }), entry({ priceMinor: 350, from: T0 + 60_000, revision: 2 })],
    });
    expect(price([line('A', 1, 999)], r, ctx({ at: T0 + 59_999 })).totalMinor).toBe(550);
    expect(price([line('A', 1, 999)], r, ctx({ at: T0 + 60_000 })).totalMinor).toBe(385);
  });

  it('members pay the entry member price when lower', () => {
    const r = rules({ prices: [entry({ priceMinor: 500, memberPriceMinor: 450 })] });
    expect(price([line('A', 1, 999)], r, ctx({ member: true })).lines[0]).toMatchObject({
      unitPriceMinor: 450,
      member: true,
    });
    expect(price([line('A', 1, 999)], r, ctx()).lines[0]).toMatchObject({ unitPriceMinor: 500, member: false });
  });
});

describe('each promotion kind, worked by hand', () => {
  it('PERCENT_OFF: 10 % off each unit, rounded per unit', () => {
    const r = rules({
      promotions: [promo({ kind: 'PERCENT_OFF', target: { skus: ['A'] }, bp: 1000 }, { name: 'Ten off' })],
    });
    const p = price([line('A', 3, 333)], r, ctx());
    // 33.3 → 33 a unit, 99 in all; net 900, tax 90.
    expect(p.lines[0]).toMatchObject({ discountMinor: 99, netMinor: 900, taxMinor: 90, totalMinor: 990 });
    expect(p.lines[0]!.promotions[0]!.explanation).toBe('10 % off (3 items)');
    expect(p.promotions[0]!.explanation).toBe('Ten off: 10 % off, you save $0.99');
  });

  it('AMOUNT_OFF: never below zero', () => {
    const r = rules({ promotions: [promo({ kind: 'AMOUNT_OFF', target: { skus: ['A', 'B'] }, amountMinor: 150 })] });
    const p = price([line('A', 2, 1000), line('B', 1, 100)], r, ctx());
    expect(p.lines.map((l) => l.discountMinor)).toEqual([300, 100]);
    expect(p.lines[1]!.netMinor).toBe(0);
    expect(p.lines[0]!.promotions[0]!.explanation).toBe('$1.50 off each (2 items)');
  });

  it('MULTI_BUY 3 for 2 across skus: the cheapest of each group is free', () => {
    const r = rules({
      promotions: [promo({ kind: 'MULTI_BUY', target: { categories: ['yog'] }, buy: 3, payFor: 2 }, { name: 'Yog' })],
    });
    // Units 150 150 120 100 100: one group [150 150 120] → 120 free; 100 100 left over.
    const p = price([line('Y1', 2, 100, 'yog'), line('Y2', 2, 150, 'yog'), line('Y3', 1, 120, 'yog')], r, ctx());
    expect(p.discountMinor).toBe(120);
    expect(p.lines.find((l) => l.sku === 'Y3')!.promotions[0]!.explanation).toBe('3 for 2: 1 free');
    expect(p.promotions[0]).toMatchObject({ skus: ['Y3'], discountMinor: 120 });
    // A group deal: one more item can complete a group (here a 150 added makes the 120 pay and a 100 free), so it
    // is marked and its receipt line says so.
    expect(p.promotions[0]!.lowersTotal).toBe(true);
    expect(p.promotions[0]!.explanation).toBe(
      'Yog: 3 for 2, you save $1.20 (an added item can complete or regroup this deal, so adding one can lower the total)',
    );
  });

  it('MULTI_BUY 3 for $10: the group price, spread in proportion, and marked as lowering the total', () => {
    const r = rules({ promotions: [promo({ kind: 'MULTI_BUY', target: { skus: ['A'] }, buy: 3, priceMinor: 1000 })] });
    const p = price([line('A', 4, 600)], r, ctx());
    expect(p.lines[0]).toMatchObject({ grossMinor: 2400, discountMinor: 800, netMinor: 1600 });
    expect(p.lines[0]!.promotions[0]!.explanation).toBe('3 for $10.00: $8.00 off');
    expect(p.promotions[0]!.lowersTotal).toBe(true);
  });

  it('BOGO: buy 2 get 1 at 50 % off, the cheaper unit discounted', () => {
    const r = rules({ promotions: [promo({ kind: 'BOGO', target: { skus: ['A', 'B'] }, buy: 2, get: 1, bp: 5000 })] });
    const p = price([line('A', 2, 400), line('B', 1, 300)], r, ctx());
    expect(p.lines.map((l) => l.discountMinor)).toEqual([0, 150]);
    expect(p.lines[1]!.promotions[0]!.explanation).toBe('buy 2 get 1 at 50 % off: 1 at 50 % off');
    const free = rules({ promotions: [promo({ kind: 'BOGO', target: { skus: ['A'] }, buy: 1, get: 1, bp: 10_000 })] });
    const q = price([line('A', 3, 400)], free, ctx());
    expect(q.discountMinor).toBe(400);
    expect(q.lines[0]!.promotions[0]!.explanation).toBe('buy 1 get 1 free: 1 free');
  });

  it('MIX_MATCH: any 3 of the group for $5', () => {
    const r = rules({
      promotions: [promo({ kind: 'MIX_MATCH', target: { skus: ['A', 'B', 'C'] }, qty: 3, priceMinor: 500 })],
    });
    // A 300, B 200, C 100: group 600 → 500, 100 off spread 300:200:100 → 50, 33.3, 16.7 → 50, 33, 17.
    const p = price([line('A', 1, 300), line('B', 1, 200), line('C', 1, 100)], r, ctx());
    expect(p.lines.map((l) => l.discountMinor)).toEqual([50, 33, 17]);
    expect(p.lines[0]!.promotions[0]!.explanation).toBe('any 3 for $5.00: $0.50 off');
  });

  it('THRESHOLD: $5 off a $50 spend, spread by largest remainder, applied after unit promotions', () => {
    const r = rules({
      promotions: [
        promo({ kind: 'THRESHOLD', spendMinor: 5000, offMinor: 500 }, { name: 'Spend 50', priority: 1 }),
        promo({ kind: 'PERCENT_OFF', target: { skus: ['A'] }, bp: 1000 }, { priority: 5 }),
      ],
    });
    // A 3000 → 2700 after 10 %; B 2400; spend 5100 ≥ 5000; 500 × 2700/5100 = 264.7, × 2400/5100 = 235.3 → 265, 235.
    const p = price([line('B', 1, 2400), line('A', 1, 3000)], r, ctx());
    expect(p.lines.map((l) => l.discountMinor)).toEqual([300 + 265, 235]);
    expect(p.lines[0]!.promotions[1]!.explanation).toBe('$5.00 off a $50.00 spend (your share $2.65)');
    expect(p.promotions.find((x) => x.kind === 'THRESHOLD')!.lowersTotal).toBe(true);
    // Not reached: nothing.
    expect(price([line('A', 1, 3000)], r, ctx()).promotions.map((x) => x.kind)).toEqual(['PERCENT_OFF']);
  });

  it('MEMBER_PRICE: only for members', () => {
    const r = rules({ promotions: [promo({ kind: 'MEMBER_PRICE', target: { skus: ['A'] }, priceMinor: 250 })] });
    expect(price([line('A', 2, 400)], r, ctx({ member: true })).lines[0]).toMatchObject({ discountMinor: 300 });
    expect(price([line('A', 2, 400)], r, ctx({ member: true })).lines[0]!.promotions[0]!.explanation).toBe(
      'member price $2.50 (2 items)',
    );
    expect(price([line('A', 2, 400)], r, ctx()).discountMinor).toBe(0);
  });
});

describe('stacking, scope and time', () => {
  it('EXCLUSIVE keeps its units; STACKABLE stacks on the price left; BEST_OF takes the best saving', () => {
    const pct = (bp: number, over = {}) => promo({ kind: 'PERCENT_OFF', target: { skus: ['A'] }, bp }, over);
    const stack = rules({ promotions: [pct(1000, { priority: 1 }), pct(1000, { priority: 2 })] });
    expect(price([line('A', 1, 1000)], stack, ctx()).discountMinor).toBe(100 + 90);
    const excl = rules({ promotions: [pct(1000, { priority: 1, stacking: 'EXCLUSIVE' }), pct(2000, { priority: 2 })] });
    expect(price([line('A', 1, 1000)], excl, ctx()).discountMinor).toBe(100);
    const best = rules({
      promotions: [pct(1000, { priority: 1, stacking: 'BEST_OF' }), pct(2500, { priority: 2, stacking: 'BEST_OF' })],
    });
    const p = price([line('A', 1, 1000)], best, ctx());
    expect(p.discountMinor).toBe(250);
    expect(p.promotions).toHaveLength(1);
  });

  it('promotions run in their window, at their stores and regions, members only when so marked', () => {
    const p = (over = {}) =>
      rules({ promotions: [promo({ kind: 'AMOUNT_OFF', target: { skus: ['A'] }, amountMinor: 10 }, over)] });
    const d = (r: ReturnType<typeof p>, c = ctx()) => price([line('A', 1, 100)], r, c).discountMinor;
    expect(d(p({ from: T0 + 1 }))).toBe(0);
    expect(d(p({ from: T0 }))).toBe(10);
    expect(d(p({ to: T0 }))).toBe(0);
    expect(d(p({ storeIds: [STORE_B] }))).toBe(0);
    expect(d(p({ storeIds: [STORE_B], regionIds: ['north'] }))).toBe(10);
    expect(d(p({ regionIds: ['north'] }), ctx({ storeId: null, regionId: null }))).toBe(0);
    expect(d(p({ membersOnly: true }))).toBe(0);
    expect(d(p({ membersOnly: true }), ctx({ member: true }))).toBe(10);
  });

  it('refuses a basket that is not one', () => {
    expect(() => price([line('A', 0, 100)], rules(), ctx())).toThrow(RangeError);
    expect(() => price([{ ...line('A', 1, 100), taxClass: 'nope' }], rules(), ctx())).toThrow(RangeError);
    expect(() => price([line('A', 1, -5)], rules(), ctx())).toThrow(RangeError);
  });
});

describe('coupons in a basket', () => {
  const k = newSigningKeyPair('k1');
  const keys = [{ keyId: 'k1', publicKey: k.publicKey, createdAt: 0, retiredAt: null }];
  const coupon = promo(
    { kind: 'AMOUNT_OFF', target: { skus: ['A'] }, amountMinor: 50 },
    { couponRequired: true, name: 'Fifty' },
  );
  const ended = promo(
    { kind: 'AMOUNT_OFF', target: { skus: ['A'] }, amountMinor: 50 },
    { couponRequired: true, to: T0 },
  );
  const r = rules({ promotions: [coupon, ended], couponKeys: keys });
  const code = (promotionId: string, serial: number) =>
    signCoupon(k.privateKey, { keyId: 'k1', promotionId, serial, expiresAt: T0 + 1e6 });

  it('apply once, with an outcome per code', () => {
    const c1 = code(coupon.id, 1);
    const c2 = code(coupon.id, 2);
    const p = price(
      [line('A', 2, 1000)],
      r,
      ctx({ coupons: [c1, c1, c2, code(ended.id, 1), code('0190a1b2-c3d4-7e5f-8a9b-ffffffffffff', 1), 'junk'] }),
    );
    expect(p.discountMinor).toBe(100);
    expect(p.coupons.map((c) => c.refusal ?? c.status)).toEqual([
      'APPLIED',
      'DUPLICATE',
      'DUPLICATE',
      'NOT_HERE',
      'NO_PROMOTION',
      'MALFORMED',
    ]);
    expect(p.coupons[0]).toMatchObject({ couponId: `${coupon.id}:1`, message: 'Applied: Fifty.' });
    expect(price([line('A', 1, 1000)], r, ctx()).discountMinor).toBe(0);
  });

  it('are refused when used, and not applicable when nothing qualifies', () => {
    const c1 = code(coupon.id, 1);
    const used = price([line('A', 1, 1000)], r, ctx({ coupons: [c1], isCouponUsed: (id) => id === `${coupon.id}:1` }));
    expect(used.coupons[0]).toMatchObject({ status: 'REFUSED', refusal: 'USED' });
    expect(used.discountMinor).toBe(0);
    const none = price([line('B', 1, 1000)], r, ctx({ coupons: [c1] }));
    expect(none.coupons[0]).toMatchObject({ status: 'REFUSED', refusal: 'NOT_APPLICABLE' });
  });
});
