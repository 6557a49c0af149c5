// TEST ORACLE — a frozen copy of shared/src/pricing/engine.ts as of bcb55d2 (before the grouped-unit rewrite).
// Do not edit or import from src: engine-equivalence.test.ts checks the live engine gives identical results.
// One change since the copy, made to both: which applied promotions are marked `lowersTotal` (and their words).
import { roundHalfAwayFromZero } from '../../../src/money.js';
import {
  type Evaluation,
  evaluateRule,
  fmt,
  lineWords,
  lowersTotalWords,
  ruleLowersTotal,
  ruleWords,
  spread,
  type Units,
} from './promotion-rules.js';
import { couponIdOf, readCoupon, verifyCoupon } from '../../../src/pricing/signing.js';
import type {
  AppliedPromotion,
  BasketLine,
  CouponOutcome,
  LinePromotion,
  PriceEntry,
  PricedBasket,
  PricedLine,
  PricingContext,
  PricingRules,
  Promotion,
} from '../../../src/pricing/types.js';

/**
 * Prices a basket: effective price per sku (the most specific book whose window holds `context.at`, else the
 * catalog's), member prices, then promotions in priority order with their stacking rules, coupons verified offline,
 * tax per line on the net. Pure and deterministic: the same basket (in any line order), rules and context give the
 * same result at the edge and the hub. Throws RangeError for a basket that is not one (a qty below 1, a line without a
 * tax rate for its class, a catalog price that is not a non-negative integer, more than 100,000 units).
 *
 * The semantics, exactly (README "Pricing engine"):
 * - Lines: duplicate skus merge (qty summed; the other fields from the line with the lowest catalog price, then tax
 *   class, category, name); lines are sorted by sku. The result does not depend on line order.
 * - Unit price: among the rules' entries for the sku whose window holds `at` (from ≤ at < to), the most specific scope
 *   (STORE > REGION > CHAIN), then the latest `from`, then the highest `revision`; else the catalog's price. The rules
 *   are the copy for one store (or the hub's copy for one store / online): the engine does not filter books by store.
 *   A member pays the entry's `memberPriceMinor` when it is lower (the line says `member: true`).
 * - A promotion runs when from ≤ at < to, where it runs (no storeIds/regionIds = everywhere, online too; else the
 *   context's store or region is listed), for a member if `membersOnly` (MEMBER_PRICE always needs a member), and
 *   with a valid, unused coupon of it presented if `couponRequired`.
 * - Unit-level promotions apply in priority order (lower first, then id), each on the units left to it, per unit:
 *   PERCENT_OFF / MEMBER_PRICE bp round half up per unit; AMOUNT_OFF per unit; MULTI_BUY / BOGO / MIX_MATCH sort the
 *   eligible units most expensive first (ties by sku) and group them from the top, so the cheapest units of each group
 *   are the free (or discounted) ones; a group price (3 for $10, any 3 for $10) is spread over the group's units in
 *   proportion and applies only when it is lower than the group's price. BOGO's last group may be short of `get`.
 *   Stacking: EXCLUSIVE takes only untaken units, and every unit in its deal (a multi-buy's paid units too) takes no
 *   other unit-level promotion; STACKABLE takes untaken units and units only STACKABLE ones took, on the price left;
 *   the BEST_OF promotions are resolved together at the place of the first of them in the rules: each is tried on the untaken
 *   units, the one saving most (ties by priority) applies and takes its units like EXCLUSIVE, then the rest are tried
 *   again on what is left, until none saves anything.
 * - THRESHOLD promotions apply after every unit-level one, in priority order, on the net left of the lines they count
 *   (their target's, else every line, whatever took their units before): spend ≥ spendMinor gives offMinor (or bp of
 *   the spend, rounded half up), never more than the spend, spread over the counted lines in proportion to their net
 *   (largest remainder, ties by sku). An EXCLUSIVE threshold applies only when no threshold has, and then no other
 *   does; of the BEST_OF thresholds only the one saving most applies; STACKABLE ones stack.
 * - Adding an item never lowers the total, except through a promotion marked `lowersTotal`: THRESHOLD (a spend
 *   reached), MIX_MATCH and MULTI_BUY with a group price (the item completing a group), and MULTI_BUY with payFor <
 *   buy − 1 ("3 for 1"), and any group deal (MULTI_BUY, BOGO, MIX_MATCH) that shares a line with another promotion
 *   (regrouping on an added item can move another promotion's discount between units). Alone, 3-for-2, BOGO, percent,
 *   amount and member prices never lower it (property-tested).
 * - Coupons, in the order presented: the same code twice → DUPLICATE; a signature/key/expiry refusal from
 *   verifyCoupon; USED (context.isCouponUsed); NO_PROMOTION (not in the rules); NOT_HERE (not running at this time,
 *   store or region, or members only without a member); NOT_APPLICABLE when its promotion needs no coupon; DUPLICATE
 *   for a second coupon of a promotion already couponed in this basket (each promotion applies once a basket);
 *   after pricing, APPLIED when its promotion discounted something, else NOT_APPLICABLE.
 * - Tax per line on the net (ppm, half away from zero). A line's discount is at most its gross; totals never negative.
 * Promotions are indexed by sku and category once per rules object (a WeakMap), so a basket looks only at the
 * promotions that name its skus or categories (and untargeted thresholds).
 */
export function price(basket: readonly BasketLine[], rules: PricingRules, context: PricingContext): PricedBasket {
  const index = indexOf(rules);
  const currency = rules.currency;
  const at = context.at;
  const member = context.member === true;

  // Lines: merged, sorted, priced.
  const merged = mergeLines(basket);
  const n = merged.length;
  const unitPrice = new Array<number>(n);
  const bookIds = new Array<string | null>(n);
  const memberPriced = new Array<boolean>(n);
  const rates = new Array<number>(n);
  const starts = new Int32Array(n + 1);
  let unitCount = 0;
  for (let i = 0; i < n; i++) {
    const l = merged[i]!;
    const rate = rules.taxRatesPpm[l.taxClass];
    if (rate === undefined) throw new RangeError(`no tax rate for class ${l.taxClass}`);
    rates[i] = rate;
    const entry = effectiveEntry(index.prices.get(l.sku), at);
    let unit = entry ? entry.priceMinor : l.catalogPriceMinor;
    memberPriced[i] = false;
    if (member && entry && entry.memberPriceMinor !== null && entry.memberPriceMinor < unit) {
      unit = entry.memberPriceMinor;
      memberPriced[i] = true;
    }
    unitPrice[i] = unit;
    bookIds[i] = entry ? entry.bookId : null;
    starts[i] = unitCount;
    unitCount += l.qty;
    if (unitCount > MAX_UNITS) throw new RangeError(`a basket holds at most ${MAX_UNITS} units`);
  }
  starts[n] = unitCount;

  // Candidate promotions: those naming a sku or category of the basket, and untargeted ones; with their lines.
  const promoLines = new Map<number, number[]>();
  const addCandidates = (list: readonly number[] | undefined, li: number) => {
    if (!list) return;
    for (const pi of list) {
      let ls = promoLines.get(pi);
      if (!ls) {
        ls = [];
        promoLines.set(pi, ls);
      }
      if (ls[ls.length - 1] !== li) ls.push(li);
    }
  };
  for (let i = 0; i < n; i++) {
    const l = merged[i]!;
    addCandidates(index.bySku.get(l.sku), i);
    if (l.category !== undefined) addCandidates(index.byCategory.get(l.category), i);
  }
  if (n > 0) for (const pi of index.untargeted) promoLines.set(pi, allLines(n));

  // Coupons, verified before promotions so couponRequired ones know.
  const { outcomes, couponed } = checkCoupons(rules, index, context);

  const candidates: number[] = [];
  for (const pi of promoLines.keys()) {
    const info = index.promos[pi]!;
    const p = info.p;
    if (!runsAt(p, at) || !runsHere(info, context)) continue;
    if ((p.membersOnly || p.rule.kind === 'MEMBER_PRICE') && !member) continue;
    if (p.couponRequired && !couponed.has(p.id)) continue;
    candidates.push(pi);
  }
  candidates.sort((a, b) => a - b);

  const units: Units = {
    line: new Int32Array(unitCount),
    left: new Float64Array(unitCount),
    state: new Uint8Array(unitCount),
  };
  for (let i = 0; i < n; i++)
    for (let u = starts[i]!; u < starts[i + 1]!; u++) {
      units.line[u] = i;
      units.left[u] = unitPrice[i]!;
    }
  const lineDiscount = new Array<number>(n).fill(0);
  const linePromos: LinePromotion[][] = Array.from({ length: n }, () => []);
  const applied: AppliedPromotion[] = [];
  const discountBy = new Map<string, number>();

  const eligible = (pi: number, stackable: boolean): number[] => {
    const out: number[] = [];
    for (const li of promoLines.get(pi)!)
      for (let u = starts[li]!; u < starts[li + 1]!; u++) {
        const s = units.state[u]!;
        if ((s === 0 || (stackable && s === 1)) && units.left[u]! > 0) out.push(u);
      }
    return out;
  };
  const record = (p: Promotion, perLine: Map<number, { d: number; k: number }>, total: number) => {
    const skus: string[] = [];
    for (const [li, { d, k }] of [...perLine].sort((a, b) => a[0] - b[0])) {
      if (d <= 0) continue;
      lineDiscount[li]! += d;
      skus.push(merged[li]!.sku);
      linePromos[li]!.push({
        promotionId: p.id,
        name: p.name,
        discountMinor: d,
        explanation: lineWords(p.rule, currency, k, d),
      });
    }
    applied.push({
      promotionId: p.id,
      name: p.name,
      kind: p.rule.kind,
      discountMinor: total,
      skus,
      explanation: `${p.name}: ${ruleWords(p.rule, currency)}, you save ${fmt(total, currency)}`,
    });
    discountBy.set(p.id, total);
  };
  const apply = (p: Promotion, e: Evaluation) => {
    const perLine = new Map<number, { d: number; k: number }>();
    const taken = p.stacking === 'STACKABLE' ? 1 : 2;
    for (let i = 0; i < e.units.length; i++) {
      const u = e.units[i]!;
      const d = Math.min(e.discounts[i]!, units.left[u]!);
      units.left[u] = units.left[u]! - d;
      if (units.state[u]! < taken) units.state[u] = taken;
      const li = units.line[u]!;
      const agg = perLine.get(li) ?? { d: 0, k: 0 };
      agg.d += d;
      if (d > 0) agg.k++;
      perLine.set(li, agg);
    }
    record(p, perLine, e.total);
  };

  // Unit-level promotions.
  const unitLevel = candidates.filter((pi) => index.promos[pi]!.p.rule.kind !== 'THRESHOLD');
  // The BEST_OF group runs at the place of the first unit-level BEST_OF promotion of the rules (not of this basket's
  // candidates), so where it runs does not depend on what is in the basket.
  const runBestOf = () => {
    const pending = unitLevel.filter((q) => index.promos[q]!.p.stacking === 'BEST_OF');
    while (pending.length > 0) {
      let best = -1;
      let bestEval: Evaluation | null = null;
      for (let k = 0; k < pending.length; k++) {
        const e = evaluateRule(index.promos[pending[k]!]!.p.rule, units, eligible(pending[k]!, false));
        if (e.total > 0 && (!bestEval || e.total > bestEval.total)) {
          best = k;
          bestEval = e;
        }
      }
      if (!bestEval) break;
      apply(index.promos[pending[best]!]!.p, bestEval);
      pending.splice(best, 1);
    }
  };
  let bestOfDone = false;
  for (const pi of unitLevel) {
    if (!bestOfDone && pi >= index.firstBestOf) {
      bestOfDone = true;
      runBestOf();
    }
    const p = index.promos[pi]!.p;
    if (p.stacking === 'BEST_OF') continue;
    const e = evaluateRule(p.rule, units, eligible(pi, p.stacking === 'STACKABLE'));
    if (e.total > 0) apply(p, e);
  }
  if (!bestOfDone) runBestOf();

  // Basket-level promotions (THRESHOLD), on what is left.
  const thresholds = candidates.filter((pi) => index.promos[pi]!.p.rule.kind === 'THRESHOLD');
  let anyThreshold = false;
  let blocked = false;
  let bestOfThresholdDone = false;
  const tryThreshold = (pi: number) => {
    const p = index.promos[pi]!.p;
    if (p.rule.kind !== 'THRESHOLD') return null;
    const lines = promoLines.get(pi)!;
    const nets = lines.map((li) => Math.max(0, merged[li]!.qty * unitPrice[li]! - lineDiscount[li]!));
    const spend = nets.reduce((a, b) => a + b, 0);
    if (spend <= 0 || spend < p.rule.spendMinor) return null;
    const off =
      p.rule.offMinor !== undefined
        ? Math.max(0, Math.trunc(p.rule.offMinor) || 0)
        : Math.round((spend * Math.min(10_000, Math.max(0, Math.trunc(p.rule.bp ?? 0) || 0))) / 10_000);
    const total = Math.min(off, spend);
    if (total <= 0) return null;
    return { p, lines, shares: spread(total, nets), total };
  };
  const applyThreshold = (t: NonNullable<ReturnType<typeof tryThreshold>>) => {
    const perLine = new Map<number, { d: number; k: number }>();
    t.lines.forEach((li, k) => {
      perLine.set(li, { d: t.shares[k]!, k: merged[li]!.qty });
    });
    record(t.p, perLine, t.total);
    anyThreshold = true;
  };
  for (const pi of thresholds) {
    if (blocked) break;
    const p = index.promos[pi]!.p;
    if (p.stacking === 'EXCLUSIVE') {
      if (anyThreshold) continue;
      const t = tryThreshold(pi);
      if (t) {
        applyThreshold(t);
        blocked = true;
      }
    } else if (p.stacking === 'STACKABLE') {
      const t = tryThreshold(pi);
      if (t) applyThreshold(t);
    } else if (!bestOfThresholdDone) {
      bestOfThresholdDone = true;
      let best: ReturnType<typeof tryThreshold> = null;
      for (const q of thresholds) {
        if (index.promos[q]!.p.stacking !== 'BEST_OF') continue;
        const t = tryThreshold(q);
        if (t && (!best || t.total > best.total)) best = t;
      }
      if (best) applyThreshold(best);
    }
  }

  // Which applied promotions can lower the total when an item is added. Not frozen: the rule of engine.ts ("Adding an
  // item never lowers the total…") changed after the copy (fix of issue #25's review), so it is applied here too, written
  // plainly: every kind that groups units or counts spend, and unit-level BEST_OF ones when two or more competed.
  const bestOfCompeting = unitLevel.filter((q) => index.promos[q]!.p.stacking === 'BEST_OF').length;
  for (let k = 0; k < applied.length; k++) {
    const a = applied[k]!;
    const p = index.byId.get(a.promotionId)!.p;
    const bestOf = p.stacking === 'BEST_OF' && p.rule.kind !== 'THRESHOLD' && bestOfCompeting >= 2;
    if (ruleLowersTotal(p.rule) || bestOf)
      applied[k] = { ...a, explanation: `${a.explanation} (${lowersTotalWords(p.rule, bestOf)})`, lowersTotal: true };
  }

  // Lines, totals.
  const lines: PricedLine[] = new Array(n);
  let gross = 0;
  let discount = 0;
  let subtotal = 0;
  let tax = 0;
  let items = 0;
  for (let i = 0; i < n; i++) {
    const l = merged[i]!;
    const g = unitPrice[i]! * l.qty;
    const d = Math.min(g, Math.max(0, lineDiscount[i]!));
    const net = g - d;
    const t = Math.max(0, roundHalfAwayFromZero((net * rates[i]!) / 1_000_000));
    lines[i] = {
      sku: l.sku,
      ...(l.name !== undefined ? { name: l.name } : {}),
      qty: l.qty,
      unitPriceMinor: unitPrice[i]!,
      priceBookId: bookIds[i]!,
      member: memberPriced[i]!,
      taxClass: l.taxClass,
      grossMinor: g,
      discountMinor: d,
      netMinor: net,
      taxMinor: t,
      totalMinor: net + t,
      promotions: linePromos[i]!,
    };
    gross += g;
    discount += d;
    subtotal += net;
    tax += t;
    items += l.qty;
  }

  const coupons: CouponOutcome[] = outcomes.map((o) => {
    if (o.pendingPromotion === undefined) return o.outcome;
    const took = (discountBy.get(o.pendingPromotion) ?? 0) > 0;
    const name = index.byId.get(o.pendingPromotion)?.p.name ?? '';
    return took
      ? { ...o.outcome, status: 'APPLIED' as const, message: `Applied: ${name}.` }
      : {
          ...o.outcome,
          status: 'REFUSED' as const,
          refusal: 'NOT_APPLICABLE' as const,
          message: `Nothing in the basket qualifies for ${name} yet; the coupon is kept for later.`,
        };
  });

  return {
    currency,
    at,
    rulesRevision: rules.revision,
    lines,
    grossMinor: gross,
    discountMinor: discount,
    subtotalMinor: subtotal,
    taxMinor: tax,
    totalMinor: subtotal + tax,
    itemCount: items,
    promotions: applied,
    coupons,
  };
}

/** Rules with nothing in them (catalog prices, the default tax table): what a store prices with before its first pull. */
export function emptyRules(currency: string, taxRatesPpm: Readonly<Record<string, number>>): PricingRules {
  return { currency, taxRatesPpm, prices: [], promotions: [], couponKeys: [], revision: 0 };
}

/** The entry in effect for a sku at `at` (see `price`), or null for the catalog's price. */
export function effectivePrice(rules: PricingRules, sku: string, at: number): PriceEntry | null {
  return effectiveEntry(indexOf(rules).prices.get(sku), at);
}

/** The most units one basket may hold (each unit is tracked on its own). */
export const MAX_UNITS = 100_000;

// ---- internals -------------------------------------------------------------------------------------------------------

interface PromoInfo {
  readonly p: Promotion;
  readonly stores: ReadonlySet<string> | null;
  readonly regions: ReadonlySet<string> | null;
}
interface RulesIndex {
  /** Per sku, its entries most specific first, then latest from, then highest revision. */
  readonly prices: Map<string, PriceEntry[]>;
  /** Sorted by priority, then id; the maps below hold indexes into it (ascending). */
  readonly promos: PromoInfo[];
  readonly bySku: Map<string, number[]>;
  readonly byCategory: Map<string, number[]>;
  readonly untargeted: number[];
  readonly byId: Map<string, PromoInfo>;
  /** The index of the first unit-level BEST_OF promotion (promos.length when none). */
  readonly firstBestOf: number;
}

const SCOPE_RANK = { STORE: 0, REGION: 1, CHAIN: 2 } as const;
const indexes = new WeakMap<PricingRules, RulesIndex>();

function indexOf(rules: PricingRules): RulesIndex {
  let ix = indexes.get(rules);
  if (ix) return ix;
  const prices = new Map<string, PriceEntry[]>();
  for (const e of rules.prices) {
    let list = prices.get(e.sku);
    if (!list) {
      list = [];
      prices.set(e.sku, list);
    }
    list.push(e);
  }
  for (const list of prices.values())
    list.sort(
      (a, b) =>
        (SCOPE_RANK[a.scope] ?? 3) - (SCOPE_RANK[b.scope] ?? 3) ||
        b.from - a.from ||
        b.revision - a.revision ||
        cmp(a.bookId, b.bookId),
    );
  const promos: PromoInfo[] = [...rules.promotions]
    .sort((a, b) => a.priority - b.priority || cmp(a.id, b.id))
    .map((p) => ({
      p,
      stores: p.storeIds?.length ? new Set(p.storeIds) : null,
      regions: p.regionIds?.length ? new Set(p.regionIds) : null,
    }));
  const bySku = new Map<string, number[]>();
  const byCategory = new Map<string, number[]>();
  const untargeted: number[] = [];
  const add = (m: Map<string, number[]>, key: string, i: number) => {
    let list = m.get(key);
    if (!list) {
      list = [];
      m.set(key, list);
    }
    if (list[list.length - 1] !== i) list.push(i);
  };
  promos.forEach(({ p }, i) => {
    const target = p.rule.target;
    if (!target) {
      untargeted.push(i);
      return;
    }
    for (const s of target.skus ?? []) add(bySku, s, i);
    for (const c of target.categories ?? []) add(byCategory, c, i);
  });
  const firstBestOf = promos.findIndex(({ p }) => p.stacking === 'BEST_OF' && p.rule.kind !== 'THRESHOLD');
  ix = {
    prices,
    promos,
    bySku,
    byCategory,
    untargeted,
    byId: new Map(promos.map((info) => [info.p.id, info])),
    firstBestOf: firstBestOf < 0 ? promos.length : firstBestOf,
  };
  indexes.set(rules, ix);
  return ix;
}

function effectiveEntry(list: readonly PriceEntry[] | undefined, at: number): PriceEntry | null {
  if (!list) return null;
  for (const e of list) if (e.from <= at && (e.to === null || at < e.to)) return e;
  return null;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const allLines = (n: number) => Array.from({ length: n }, (_, i) => i);
const runsAt = (p: Promotion, at: number) => p.from <= at && (p.to === null || at < p.to);
const runsHere = (info: PromoInfo, ctx: PricingContext) =>
  (!info.stores && !info.regions) ||
  (ctx.storeId !== null && info.stores?.has(ctx.storeId) === true) ||
  (ctx.regionId !== null && info.regions?.has(ctx.regionId) === true);

function mergeLines(basket: readonly BasketLine[]): BasketLine[] {
  const merged = new Map<string, BasketLine>();
  for (const l of basket) {
    if (!Number.isSafeInteger(l.qty) || l.qty < 1) throw new RangeError(`qty of ${l.sku} must be an integer ≥ 1`);
    if (!Number.isSafeInteger(l.catalogPriceMinor) || l.catalogPriceMinor < 0)
      throw new RangeError(`the catalog price of ${l.sku} must be a non-negative integer`);
    const had = merged.get(l.sku);
    if (!had) merged.set(l.sku, l);
    else {
      const keep = canonical(had, l) <= 0 ? had : l;
      merged.set(l.sku, { ...keep, qty: had.qty + l.qty });
    }
  }
  return [...merged.values()].sort((a, b) => cmp(a.sku, b.sku));
}
function canonical(a: BasketLine, b: BasketLine): number {
  return (
    a.catalogPriceMinor - b.catalogPriceMinor ||
    cmp(a.taxClass, b.taxClass) ||
    cmp(a.category ?? '', b.category ?? '') ||
    cmp(a.name ?? '', b.name ?? '')
  );
}

interface PendingOutcome {
  readonly outcome: CouponOutcome;
  /** Set for a valid coupon of a couponRequired promotion: APPLIED or NOT_APPLICABLE once priced. */
  readonly pendingPromotion?: string;
}

function checkCoupons(
  rules: PricingRules,
  index: RulesIndex,
  ctx: PricingContext,
): { outcomes: PendingOutcome[]; couponed: Set<string> } {
  const outcomes: PendingOutcome[] = [];
  const couponed = new Set<string>();
  const seen = new Set<string>();
  for (const raw of ctx.coupons ?? []) {
    const code = typeof raw === 'string' ? raw.trim() : '';
    const refuse = (refusal: CouponOutcome['refusal'], message: string, couponId: string | null) =>
      outcomes.push({ outcome: { code, couponId, status: 'REFUSED', refusal, message } });
    const check = verifyCoupon(code, rules.couponKeys, ctx.at);
    const claims = check.ok ? check.claims : readCoupon(code);
    const couponId = claims ? couponIdOf(claims) : null;
    if (seen.has(code) || (couponId !== null && seen.has(couponId))) {
      refuse('DUPLICATE', 'This coupon is already on this basket.', couponId);
      continue;
    }
    seen.add(code);
    if (couponId !== null) seen.add(couponId);
    if (!check.ok) {
      refuse(check.refusal, check.message, couponId);
      continue;
    }
    if (ctx.isCouponUsed?.(check.couponId)) {
      refuse('USED', 'This coupon has already been used.', check.couponId);
      continue;
    }
    const info = index.byId.get(check.claims.promotionId);
    if (!info) {
      refuse('NO_PROMOTION', "This coupon's promotion is not on offer (it ended or was withdrawn).", check.couponId);
      continue;
    }
    const p = info.p;
    if (!runsAt(p, ctx.at)) {
      refuse('NOT_HERE', ctx.at < p.from ? `${p.name} has not started yet.` : `${p.name} has ended.`, check.couponId);
      continue;
    }
    if (!runsHere(info, ctx)) {
      refuse('NOT_HERE', `${p.name} does not run at this store.`, check.couponId);
      continue;
    }
    if ((p.membersOnly || p.rule.kind === 'MEMBER_PRICE') && ctx.member !== true) {
      refuse('NOT_HERE', `${p.name} is for members: scan a loyalty card first.`, check.couponId);
      continue;
    }
    if (!p.couponRequired) {
      refuse('NOT_APPLICABLE', `${p.name} applies without a coupon; the coupon is kept for later.`, check.couponId);
      continue;
    }
    if (couponed.has(p.id)) {
      refuse('DUPLICATE', `Another coupon for ${p.name} is already on this basket (one per basket).`, check.couponId);
      continue;
    }
    couponed.add(p.id);
    outcomes.push({
      outcome: { code, couponId: check.couponId, status: 'APPLIED', message: `Applied: ${p.name}.` },
      pendingPromotion: p.id,
    });
  }
  return { outcomes, couponed };
}
