import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectivePrice, price } from '../../src/pricing/engine.js';
import { newSigningKeyPair, signCoupon } from '../../src/pricing/signing.js';
import type {
  BasketLine,
  PriceEntry,
  PricedBasket,
  PricingContext,
  PricingRules,
  Promotion,
  PromotionRule,
  PromotionTarget,
  SigningKey,
} from '../../src/pricing/types.js';
import { ctx, line, promo, propertyRuns, rules, STORE_A, STORE_B, T0 } from './helpers.js';

/**
 * The properties over random rules: books (chain, region, store; windows), promotions of every kind, stacking,
 * window and place, members, coupons (valid, forged, expired, used). Seeded (helpers.ts propertyRuns): the same cases
 * on every run; PRICING_PROPERTY_SEED=<n> replays or hunts with another seed.
 */

const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'];
const CATS = ['x', 'y'];
const catOf = (sku: string) => CATS[sku.charCodeAt(0) % 2]!;
// One catalog price per sku (a product has one), except where a property says otherwise.
const PRICE: Record<string, number> = { A: 250, B: 399, C: 1000, D: 75, E: 600, F: 1 };
const pair = newSigningKeyPair('k1');
const forger = newSigningKeyPair('k1');
const keys: SigningKey[] = [{ keyId: 'k1', publicKey: pair.publicKey, createdAt: T0 - 1e9, retiredAt: null }];

const target: fc.Arbitrary<PromotionTarget> = fc.oneof(
  fc.record({ skus: fc.subarray(SKUS, { minLength: 1 }) }),
  fc.record({ categories: fc.subarray(CATS, { minLength: 1 }) }),
);
const bp = fc.integer({ min: 0, max: 10_000 });
const perUnitRule: fc.Arbitrary<PromotionRule> = fc.oneof(
  fc.record({ kind: fc.constant('PERCENT_OFF' as const), target, bp }),
  fc.record({ kind: fc.constant('AMOUNT_OFF' as const), target, amountMinor: fc.integer({ min: 0, max: 800 }) }),
  fc.record({ kind: fc.constant('MEMBER_PRICE' as const), target, priceMinor: fc.integer({ min: 0, max: 900 }) }),
  fc.record({ kind: fc.constant('MEMBER_PRICE' as const), target, bp }),
);
const anyRule: fc.Arbitrary<PromotionRule> = fc.oneof(
  perUnitRule,
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
    bp,
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
  fc.record({ kind: fc.constant('THRESHOLD' as const), target, spendMinor: fc.integer({ min: 0, max: 5000 }), bp }),
);

type Stacking = Promotion['stacking'];
const ALL_STACKING: Stacking[] = ['EXCLUSIVE', 'STACKABLE', 'BEST_OF'];
const WINDOWS = ['now', 'now', 'now', 'past', 'future', 'endsNow'] as const;
const windowOf = (w: string) =>
  w === 'past'
    ? { from: T0 - 10_000, to: T0 - 1 }
    : w === 'future'
      ? { from: T0 + 1, to: null }
      : w === 'endsNow'
        ? { from: T0 - 10_000, to: T0 }
        : { from: T0 - 10_000, to: T0 + 10_000 };

/** Coupons a customer may present: valid, forged (another key, same id), expired, used, or the same code twice. */
const COUPON_KINDS = ['valid', 'valid', 'forged', 'expired', 'used', 'twice'] as const;
type CouponKind = (typeof COUPON_KINDS)[number];

interface Scenario {
  readonly rules: PricingRules;
  readonly context: PricingContext;
  readonly coupons: readonly { kind: CouponKind; promotionId: string }[];
}

/** Random rules and a pricing context (store A, B or online; member or not; coupons of every kind). */
function scenario(rule: fc.Arbitrary<PromotionRule>, stacking: fc.Arbitrary<Stacking>): fc.Arbitrary<Scenario> {
  const entry = fc.record({
    sku: fc.constantFrom(...SKUS),
    scope: fc.constantFrom('CHAIN' as const, 'REGION' as const, 'STORE' as const),
    priceMinor: fc.integer({ min: 0, max: 1500 }),
    memberPriceMinor: fc.option(fc.integer({ min: 0, max: 1500 })),
    window: fc.constantFrom('now', 'now', 'past', 'future'),
    revision: fc.integer({ min: 1, max: 5 }),
  });
  const promotion = fc.record({
    rule,
    stacking,
    priority: fc.integer({ min: 0, max: 5 }),
    membersOnly: fc.boolean(),
    couponRequired: fc.boolean(),
    storeIds: fc.subarray([STORE_A, STORE_B]),
    regionIds: fc.subarray(['north', 'south']),
    window: fc.constantFrom(...WINDOWS),
  });
  return fc
    .record({
      entries: fc.array(entry, { maxLength: 8 }),
      promotions: fc.array(promotion, { maxLength: 6 }),
      member: fc.boolean(),
      where: fc.constantFrom('A', 'B', 'online'),
      coupons: fc.array(fc.record({ k: fc.nat({ max: 5 }), kind: fc.constantFrom(...COUPON_KINDS) }), {
        maxLength: 3,
      }),
    })
    .map((s): Scenario => {
      const prices: PriceEntry[] = s.entries.map((e, i) => ({
        bookId: `${e.scope.toLowerCase()}-${i % 3}`,
        scope: e.scope,
        sku: e.sku,
        priceMinor: e.priceMinor,
        memberPriceMinor: e.memberPriceMinor,
        ...windowOf(e.window),
        revision: e.revision,
      }));
      const promotions: Promotion[] = s.promotions.map((p, i) => ({
        id: `p${i}`,
        name: `promo ${i}`,
        rule: p.rule,
        priority: p.priority,
        stacking: p.stacking,
        ...windowOf(p.window),
        revision: i + 1,
        membersOnly: p.membersOnly,
        couponRequired: p.couponRequired,
        storeIds: p.storeIds,
        regionIds: p.regionIds,
      }));
      const coupons = s.coupons.map(({ k, kind }) => ({ kind, promotionId: `p${k}` }));
      const codes: string[] = [];
      coupons.forEach(({ kind, promotionId }, serial) => {
        const claims = { keyId: 'k1', promotionId, serial: serial + 1, expiresAt: T0 + 86_400_000 };
        if (kind === 'forged') codes.push(signCoupon(forger.privateKey, claims));
        else if (kind === 'expired') codes.push(signCoupon(pair.privateKey, { ...claims, expiresAt: T0 - 60_000 }));
        else if (kind === 'used') codes.push(signCoupon(pair.privateKey, { ...claims, serial: 1000 + serial }));
        else if (kind === 'twice') {
          const c = signCoupon(pair.privateKey, { ...claims, serial: 2000 + serial });
          codes.push(c, c);
        } else codes.push(signCoupon(pair.privateKey, claims));
      });
      return {
        rules: rules({ prices, promotions, couponKeys: keys, revision: 7 }),
        coupons,
        context: {
          at: T0,
          storeId: s.where === 'A' ? STORE_A : s.where === 'B' ? STORE_B : null,
          regionId: s.where === 'A' ? 'north' : s.where === 'B' ? 'south' : null,
          member: s.member,
          coupons: codes,
          isCouponUsed: (id) => Number(id.split(':')[1]) >= 1000 && Number(id.split(':')[1]) < 2000,
        },
      };
    });
}

const basketLine = fc.record({ sku: fc.constantFrom(...SKUS), qty: fc.integer({ min: 1, max: 4 }) });
const basket = fc.array(basketLine, { maxLength: 8 });
const toLines = (ls: readonly { sku: string; qty: number }[]): BasketLine[] =>
  ls.map((l) => line(l.sku, l.qty, PRICE[l.sku]!, catOf(l.sku)));

/** Why a marked promotion can lower the total must be said on its receipt line. */
function expectMarkedSaysWhy(p: PricedBasket): void {
  for (const a of p.promotions) if (a.lowersTotal) expect(a.explanation).toMatch(/lower the total\)$/);
}

describe('pricing properties', () => {
  it('totals are never negative; a line never discounts more than its gross; sums add up', () => {
    const lines = fc.array(
      fc.record({ sku: fc.constantFrom(...SKUS), qty: fc.integer({ min: 1, max: 6 }), p: fc.nat({ max: 3000 }) }),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(scenario(anyRule, fc.constantFrom(...ALL_STACKING)), lines, (s, ls) => {
        const p = price(
          ls.map((l) => line(l.sku, l.qty, l.p, catOf(l.sku))),
          s.rules,
          s.context,
        );
        expect(p.totalMinor).toBeGreaterThanOrEqual(0);
        expect(p.subtotalMinor).toBeGreaterThanOrEqual(0);
        expect(p.taxMinor).toBeGreaterThanOrEqual(0);
        for (const l of p.lines) {
          expect(l.discountMinor).toBeLessThanOrEqual(l.grossMinor);
          expect(l.netMinor).toBeGreaterThanOrEqual(0);
          expect(l.totalMinor).toBeGreaterThanOrEqual(0);
          expect(l.discountMinor).toBe(l.promotions.reduce((a, x) => a + x.discountMinor, 0));
        }
        expect(p.discountMinor).toBe(p.promotions.reduce((a, x) => a + x.discountMinor, 0));
        expect(p.totalMinor).toBe(p.subtotalMinor + p.taxMinor);
      }),
      propertyRuns(400),
    );
  });

  it('does not depend on line order (a real permutation; duplicate skus with conflicting fields included)', () => {
    const lines = fc.array(
      fc.record({
        sku: fc.constantFrom(...SKUS),
        qty: fc.integer({ min: 1, max: 4 }),
        // Sometimes a duplicate sku carries another catalog price or name: the merge's tie-breaks decide, not order.
        p: fc.oneof(fc.constant(-1), fc.nat({ max: 1500 })),
        name: fc.option(fc.constantFrom('one', 'two'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 9 },
    );
    const arb = lines.chain((ls) =>
      fc.tuple(
        fc.constant(ls),
        fc.shuffledSubarray(
          ls.map((_, i) => i),
          { minLength: ls.length, maxLength: ls.length },
        ),
      ),
    );
    fc.assert(
      fc.property(scenario(anyRule, fc.constantFrom(...ALL_STACKING)), arb, (s, [ls, perm]) => {
        const b = ls.map((l) => ({
          ...line(l.sku, l.qty, l.p < 0 ? PRICE[l.sku]! : l.p, catOf(l.sku)),
          ...(l.name !== undefined ? { name: l.name } : {}),
        }));
        // shuffledSubarray may hand back an order with the same skus in the same places: then rotate by one, which
        // moves a sku whenever the basket holds two different ones (a rotation leaves only a constant sequence as is).
        const skus = (ls: readonly BasketLine[]) => ls.map((l) => l.sku).join();
        let shuffled = perm.map((i) => b[i]!);
        if (skus(shuffled) === skus(b)) shuffled = [...b.slice(1), b[0]!];
        if (new Set(b.map((l) => l.sku)).size >= 2) expect(skus(shuffled)).not.toBe(skus(b));
        const first = price(b, s.rules, s.context);
        expect(price(shuffled, s.rules, s.context)).toStrictEqual(first);
        expect(JSON.stringify(price(b, s.rules, s.context))).toBe(JSON.stringify(first));
      }),
      propertyRuns(400),
    );
  });

  it('(a) with only per-unit promotions (any stacking, books, members, coupons) adding an item never lowers the total', () => {
    // EXCLUSIVE and STACKABLE, and at most one BEST_OF: each unit's discount depends on that unit alone.
    const ps = fc
      .tuple(
        scenario(perUnitRule, fc.constantFrom<Stacking>('EXCLUSIVE', 'STACKABLE')),
        fc.option(fc.tuple(perUnitRule, fc.integer({ min: 0, max: 5 }))),
      )
      .map(([s, best]): Scenario => {
        if (!best) return s;
        const [rule, priority] = best;
        const only: Promotion = {
          id: 'best',
          name: 'best',
          rule,
          priority,
          stacking: 'BEST_OF',
          from: T0 - 1,
          to: null,
          revision: 9,
        };
        return { ...s, rules: { ...s.rules, promotions: [...s.rules.promotions, only] } };
      });
    let discounted = 0;
    fc.assert(
      fc.property(ps, basket, basketLine, (s, b, extra) => {
        const before = price(toLines(b), s.rules, s.context);
        const after = price(toLines([...b, { ...extra, qty: 1 }]), s.rules, s.context);
        expect(after.totalMinor).toBeGreaterThanOrEqual(before.totalMinor);
        expect(after.promotions.filter((x) => x.lowersTotal)).toEqual([]);
        if (after.discountMinor > 0) discounted++;
      }),
      propertyRuns(1000),
    );
    // The property is not vacuous: most of these baskets had promotions applied.
    expect(discounted).toBeGreaterThan(300);
  });

  it('(a′) per-unit promotions with two or more BEST_OF: a lower total only where competing BEST_OF offers are marked', () => {
    fc.assert(
      fc.property(scenario(perUnitRule, fc.constantFrom(...ALL_STACKING)), basket, basketLine, (s, b, extra) => {
        const before = price(toLines(b), s.rules, s.context);
        const after = price(toLines([...b, { ...extra, qty: 1 }]), s.rules, s.context);
        expectMarkedSaysWhy(after);
        for (const x of after.promotions)
          if (x.lowersTotal) expect(s.rules.promotions.find((p) => p.id === x.promotionId)!.stacking).toBe('BEST_OF');
        if (after.totalMinor < before.totalMinor) expect(after.promotions.some((x) => x.lowersTotal)).toBe(true);
      }),
      propertyRuns(1000),
    );
  });

  it('(b, c) any promotions: a lower total after adding an item implies an applied promotion marked lowersTotal, which says why', () => {
    let lower = 0;
    fc.assert(
      fc.property(scenario(anyRule, fc.constantFrom(...ALL_STACKING)), basket, basketLine, (s, b, extra) => {
        const before = price(toLines(b), s.rules, s.context);
        const after = price(toLines([...b, { ...extra, qty: 1 }]), s.rules, s.context);
        expectMarkedSaysWhy(before);
        expectMarkedSaysWhy(after);
        for (const x of after.promotions) {
          const p = s.rules.promotions.find((q) => q.id === x.promotionId)!;
          const perUnit = ['PERCENT_OFF', 'AMOUNT_OFF', 'MEMBER_PRICE'].includes(p.rule.kind);
          // A per-unit promotion is marked only as one of competing BEST_OF offers.
          if (x.lowersTotal && perUnit) expect(p.stacking).toBe('BEST_OF');
        }
        if (after.totalMinor < before.totalMinor) {
          lower++;
          expect(after.promotions.some((x) => x.lowersTotal)).toBe(true);
        }
      }),
      propertyRuns(1500),
    );
    expect(lower).toBeGreaterThan(0);
  });

  it('coupons: a forged, expired, used or repeated code is refused and discounts nothing; a valid one is never refused as those', () => {
    fc.assert(
      fc.property(scenario(anyRule, fc.constantFrom(...ALL_STACKING)), basket, (s, b) => {
        const p = price(toLines(b), s.rules, s.context);
        let k = 0;
        for (const c of s.coupons) {
          const out = p.coupons[k++]!;
          if (c.kind === 'forged') expect(out).toMatchObject({ status: 'REFUSED', refusal: 'FORGED' });
          else if (c.kind === 'expired') expect(out).toMatchObject({ status: 'REFUSED', refusal: 'EXPIRED' });
          else if (c.kind === 'used') expect(out).toMatchObject({ status: 'REFUSED', refusal: 'USED' });
          else if (c.kind === 'twice') {
            expect(p.coupons[k++]!).toMatchObject({ status: 'REFUSED', refusal: 'DUPLICATE' });
          } else expect(['FORGED', 'EXPIRED', 'USED', 'MALFORMED', 'UNKNOWN_KEY']).not.toContain(out.refusal);
        }
        expect(k).toBe(p.coupons.length);
        // A coupon-only promotion discounts something only with an APPLIED coupon of it.
        for (const a of p.promotions) {
          const promotion = s.rules.promotions.find((q) => q.id === a.promotionId)!;
          if (!promotion.couponRequired) continue;
          const applied = p.coupons.filter(
            (c) => c.status === 'APPLIED' && c.couponId?.startsWith(`${a.promotionId}:`),
          );
          expect(applied.length).toBe(1);
        }
        // The same basket without the bad codes prices the same: they changed nothing.
        const good = s.context.coupons!.filter((_, i) => p.coupons[i]!.status === 'APPLIED');
        const again = price(toLines(b), s.rules, { ...s.context, coupons: good });
        expect(again.totalMinor).toBe(p.totalMinor);
      }),
      propertyRuns(400),
    );
  });

  it('a price scheduled in a book takes effect at its time: the most specific entry whose window holds the time', () => {
    const times = [T0 - 20_000, T0 - 10_000, T0 - 1, T0, T0 + 1, T0 + 10_000];
    fc.assert(
      fc.property(scenario(perUnitRule, fc.constant<Stacking>('STACKABLE')), fc.constantFrom(...times), (s, at) => {
        for (const sku of SKUS) {
          const live = s.rules.prices.filter((e) => e.sku === sku && e.from <= at && (e.to === null || at < e.to));
          const rank = { STORE: 0, REGION: 1, CHAIN: 2 } as const;
          live.sort(
            (a, b) =>
              rank[a.scope] - rank[b.scope] ||
              b.from - a.from ||
              b.revision - a.revision ||
              (a.bookId < b.bookId ? -1 : 1),
          );
          const want = live[0] ? live[0].priceMinor : PRICE[sku]!;
          const p = price([line(sku, 1, PRICE[sku]!, catOf(sku))], { ...s.rules, promotions: [] }, { ...ctx(), at });
          expect(p.lines[0]!.unitPriceMinor).toBe(want);
          expect(effectivePrice(s.rules, sku, at)?.priceMinor ?? PRICE[sku]!).toBe(want);
        }
      }),
      propertyRuns(300),
    );
  });
});

describe('adding an item: the counterexamples found by review, pinned', () => {
  const add = (r: PricingRules, b: BasketLine[], extra: BasketLine, c = ctx()) => {
    const before = price(b, r, c);
    const after = price([...b, extra], r, c);
    return { before, after };
  };

  it('two BEST_OF per-unit offers: one more item switches the winner and lowers the total; both are marked and say why', () => {
    const r = rules({
      promotions: [
        promo({ kind: 'PERCENT_OFF', target: { skus: ['A', 'B'] }, bp: 5000 }, { stacking: 'BEST_OF', priority: 1 }),
        promo({ kind: 'PERCENT_OFF', target: { skus: ['B', 'C'] }, bp: 10_000 }, { stacking: 'BEST_OF', priority: 2 }),
      ],
    });
    const { before, after } = add(r, [line('A', 1, 100), line('B', 1, 100)], line('C', 1, 1));
    expect(after.totalMinor).toBeLessThan(before.totalMinor);
    expect(after.promotions.length).toBe(2);
    for (const x of after.promotions) {
      expect(x.lowersTotal).toBe(true);
      expect(x.explanation).toContain('the best of several offers applies');
    }
  });

  it('review F1 (a): BEST_OF AMOUNT_OFF and BEST_OF BOGO switching winner as C is added', () => {
    const r = rules({
      promotions: [
        promo({ kind: 'AMOUNT_OFF', target: { skus: ['C'] }, amountMinor: 456 }, { stacking: 'BEST_OF' }),
        promo({ kind: 'BOGO', target: { categories: ['y'] }, buy: 1, get: 2, bp: 3660 }, { stacking: 'BEST_OF' }),
      ],
    });
    const { before, after } = add(
      r,
      toLines([
        { sku: 'A', qty: 9 },
        { sku: 'C', qty: 2 },
      ]),
      toLines([{ sku: 'C', qty: 1 }])[0]!,
    );
    if (after.totalMinor < before.totalMinor) expect(after.promotions.some((x) => x.lowersTotal)).toBe(true);
    expect(after.promotions.every((x) => x.lowersTotal)).toBe(true);
  });

  it('review F1 (b) and seed 816347744: a STACKABLE BOGO regrouping under a per-unit promotion is marked', () => {
    const r = rules({
      promotions: [
        promo({ kind: 'BOGO', target: { categories: ['y'] }, buy: 3, get: 1, bp: 9459 }, { priority: 0 }),
        promo({ kind: 'AMOUNT_OFF', target: { skus: ['C'] }, amountMinor: 432 }, { priority: 1 }),
      ],
    });
    const b = [line('C', 2, 1000, 'y'), line('E', 1, 600, 'y')];
    const { before, after } = add(r, b, line('C', 1, 1000, 'y'));
    if (after.totalMinor < before.totalMinor) {
      const bogo = after.promotions.find((x) => x.kind === 'BOGO')!;
      expect(bogo.lowersTotal).toBe(true);
      expect(bogo.explanation).toContain('can complete or regroup this deal');
    }
    const s = rules({
      promotions: [
        promo({ kind: 'BOGO', target: { skus: ['A', 'D', 'F'] }, buy: 2, get: 1, bp: 67 }, { priority: 0 }),
        promo({ kind: 'AMOUNT_OFF', target: { categories: ['y'] }, amountMinor: 103 }, { priority: 1 }),
        promo(
          { kind: 'MIX_MATCH', target: { categories: ['y'] }, qty: 2, priceMinor: 368 },
          { priority: 2, stacking: 'EXCLUSIVE' },
        ),
      ],
    });
    const two = add(s, [line('A', 2, 250, 'y')], line('D', 1, 75, 'y'));
    if (two.after.totalMinor < two.before.totalMinor)
      expect(two.after.promotions.some((x) => x.lowersTotal)).toBe(true);
  });
});
