import { roundHalfAwayFromZero } from '../money.js';
import {
  type Evaluation,
  evaluateRule,
  fmt,
  lineWordsOf,
  lowersTotalWords,
  ruleLowersTotal,
  ruleWords,
  spread,
  type Units,
} from './promotion-rules.js';
import { couponIdOf, readCoupon, verifyCoupon } from './signing.js';
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
} from './types.js';

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
 * - Adding an item never lowers the total, except through an applied promotion marked `lowersTotal`, whose receipt
 *   explanation says why in words: every promotion of a kind that groups units (MULTI_BUY, BOGO, MIX_MATCH: one more
 *   item completes a group, or regroups the units so another promotion's discount moves) or counts spend (THRESHOLD:
 *   one more item reaches the spend), and every unit-level BEST_OF promotion when two or more BEST_OF promotions
 *   competed in the basket (one more item can make another offer the best one). The per-unit kinds (PERCENT_OFF,
 *   AMOUNT_OFF, MEMBER_PRICE) are never marked: with only those (any stacking, books, member prices, coupons, and at
 *   most one unit-level BEST_OF) each unit's discount depends on that unit alone, so adding an item never lowers the
 *   total and nothing is marked (property-tested: shared/tests/pricing/properties.test.ts). The flag is per applied
 *   promotion, not per basket: a receipt shows which deal can make "one more" cheaper.
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
  // The typed work arrays are reused from basket to basket (allocating them was a tenth of a basket's time); a price()
  // called while one runs (from a coupon callback) gets its own.
  if (scratchBusy) return priceWith(basket, rules, context, new Scratch());
  scratchBusy = true;
  try {
    return priceWith(basket, rules, context, scratch);
  } finally {
    scratchBusy = false;
    if (scratch.lines > SCRATCH_KEEP || scratch.units > SCRATCH_KEEP) scratch = new Scratch();
  }
}

function priceWith(
  basket: readonly BasketLine[],
  rules: PricingRules,
  context: PricingContext,
  sc: Scratch,
): PricedBasket {
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
  const skuOf = new Array<SkuIndex | undefined>(n);
  sc.ensureLines(n + 1);
  const starts = sc.starts;
  let unitCount = 0;
  for (let i = 0; i < n; i++) {
    const l = merged[i]!;
    const rate = rules.taxRatesPpm[l.taxClass];
    if (rate === undefined) throw new RangeError(`no tax rate for class ${l.taxClass}`);
    rates[i] = rate;
    const si = index.skus.get(l.sku);
    skuOf[i] = si;
    const entry = si ? effectiveIn(si, at) : null;
    let unit = entry ? entry.priceMinor : l.catalogPriceMinor;
    let byMember = false;
    if (member && entry && entry.memberPriceMinor !== null && entry.memberPriceMinor < unit) {
      unit = entry.memberPriceMinor;
      byMember = true;
    }
    memberPriced[i] = byMember;
    unitPrice[i] = unit;
    bookIds[i] = entry ? entry.bookId : null;
    starts[i] = unitCount;
    unitCount += l.qty;
    if (unitCount > MAX_UNITS) throw new RangeError(`a basket holds at most ${MAX_UNITS} units`);
  }
  starts[n] = unitCount;

  // Candidate promotions: those naming a sku or category of the basket, and untargeted ones; with their lines
  // (ascending). Indexed by the promotion's place in the sorted rules, so no map per basket.
  const promos = index.promos;
  const promoLines = new Array<number[] | undefined>(promos.length);
  const named: number[] = [];
  const addCandidates = (list: readonly number[] | undefined, li: number) => {
    if (!list) return;
    for (let k = 0; k < list.length; k++) {
      const pi = list[k]!;
      let ls = promoLines[pi];
      if (!ls) {
        ls = [];
        promoLines[pi] = ls;
        named.push(pi);
      }
      if (ls[ls.length - 1] !== li) ls.push(li);
    }
  };
  for (let i = 0; i < n; i++) {
    const l = merged[i]!;
    addCandidates(skuOf[i]?.promos, i);
    if (l.category !== undefined) addCandidates(index.byCategory.get(l.category), i);
  }
  if (n > 0 && index.untargeted.length > 0) {
    // Read only: every untargeted promotion shares one list of all lines.
    const all = allLines(n);
    for (const pi of index.untargeted) {
      if (!promoLines[pi]) named.push(pi);
      promoLines[pi] = all;
    }
  }

  // Coupons, verified before promotions so couponRequired ones know.
  const { outcomes, couponed } = checkCoupons(rules, index, context);
  let pending = false;
  for (const o of outcomes) if (o.pendingPromotion !== undefined) pending = true;

  const candidates: number[] = [];
  for (const pi of named) {
    const info = promos[pi]!;
    const p = info.p;
    if (!runsAt(p, at) || !runsHere(info, context)) continue;
    if (info.forMembers && !member) continue;
    if (p.couponRequired && !couponed.has(p.id)) continue;
    candidates.push(pi);
  }
  sortInts(candidates);

  sc.ensureUnits(unitCount);
  const units: Units = { line: sc.line, left: sc.left, state: sc.state };
  units.state.fill(0, 0, unitCount);
  for (let i = 0; i < n; i++) {
    const unit = unitPrice[i]!;
    for (let u = starts[i]!, end = starts[i + 1]!; u < end; u++) {
      units.line[u] = i;
      units.left[u] = unit;
    }
  }
  const lineDiscount = new Array<number>(n).fill(0);
  const linePromos: LinePromotion[][] = new Array(n);
  for (let i = 0; i < n; i++) linePromos[i] = [];
  const applied: Applied[] = [];
  const discountBy = pending ? new Map<string, number>() : null;
  // Per-line sums of one promotion's discounts (reset after each).
  const aggD = sc.aggD;
  const aggK = sc.aggK;
  const aggIn = sc.aggIn;
  aggIn.fill(0, 0, n);
  const aggLines: number[] = [];

  const eligible = (pi: number, stackable: boolean): number[] => {
    const out: number[] = [];
    const state = units.state;
    const left = units.left;
    const ls = promoLines[pi]!;
    for (let k = 0; k < ls.length; k++) {
      const li = ls[k]!;
      for (let u = starts[li]!, end = starts[li + 1]!; u < end; u++) {
        const s = state[u]!;
        if ((s === 0 || (stackable && s === 1)) && left[u]! > 0) out.push(u);
      }
    }
    return out;
  };
  // Records the aggregated lines (ascending) of one promotion; `total` is its saving.
  const record = (info: PromoInfo, lines: readonly number[], total: number) => {
    const p = info.p;
    const skus: string[] = [];
    const words = wordsOf(info, currency);
    for (let k = 0; k < lines.length; k++) {
      const li = lines[k]!;
      const d = aggD[li]!;
      if (d <= 0) continue;
      lineDiscount[li]! += d;
      skus.push(merged[li]!.sku);
      linePromos[li]!.push({
        promotionId: p.id,
        name: p.name,
        discountMinor: d,
        explanation: lineWordsOf(p.rule, currency, words, aggK[li]!, d),
      });
    }
    applied.push({ info, total, skus });
    discountBy?.set(p.id, total);
  };
  const apply = (info: PromoInfo, e: Evaluation) => {
    const taken = info.p.stacking === 'STACKABLE' ? 1 : 2;
    const state = units.state;
    const left = units.left;
    for (let i = 0; i < e.units.length; i++) {
      const u = e.units[i]!;
      const d = Math.min(e.discounts[i]!, left[u]!);
      left[u] = left[u]! - d;
      if (state[u]! < taken) state[u] = taken;
      const li = units.line[u]!;
      if (aggIn[li] === 0) {
        aggIn[li] = 1;
        aggD[li] = 0;
        aggK[li] = 0;
        aggLines.push(li);
      }
      aggD[li]! += d;
      if (d > 0) aggK[li]!++;
    }
    sortInts(aggLines);
    record(info, aggLines, e.total);
    for (const li of aggLines) aggIn[li] = 0;
    aggLines.length = 0;
  };

  // Unit-level promotions.
  const unitLevel: number[] = [];
  const thresholds: number[] = [];
  for (const pi of candidates) (promos[pi]!.threshold ? thresholds : unitLevel).push(pi);
  // The BEST_OF group runs at the place of the first unit-level BEST_OF promotion of the rules (not of this basket's
  // candidates), so where it runs does not depend on what is in the basket.
  const runBestOf = () => {
    const left: number[] = [];
    for (const q of unitLevel) if (promos[q]!.p.stacking === 'BEST_OF') left.push(q);
    while (left.length > 0) {
      let best = -1;
      let bestEval: Evaluation | null = null;
      for (let k = 0; k < left.length; k++) {
        const e = evaluateRule(promos[left[k]!]!.p.rule, units, eligible(left[k]!, false));
        if (e.total > 0 && (!bestEval || e.total > bestEval.total)) {
          best = k;
          bestEval = e;
        }
      }
      if (!bestEval) break;
      apply(promos[left[best]!]!, bestEval);
      left.splice(best, 1);
    }
  };
  let bestOfDone = false;
  for (const pi of unitLevel) {
    if (!bestOfDone && pi >= index.firstBestOf) {
      bestOfDone = true;
      runBestOf();
    }
    const info = promos[pi]!;
    const p = info.p;
    if (p.stacking === 'BEST_OF') continue;
    const e = evaluateRule(p.rule, units, eligible(pi, p.stacking === 'STACKABLE'));
    if (e.total > 0) apply(info, e);
  }
  if (!bestOfDone) runBestOf();

  // Basket-level promotions (THRESHOLD), on what is left.
  let anyThreshold = false;
  let blocked = false;
  let bestOfThresholdDone = false;
  const tryThreshold = (pi: number) => {
    const info = promos[pi]!;
    const p = info.p;
    if (p.rule.kind !== 'THRESHOLD') return null;
    const lines = promoLines[pi]!;
    const nets = new Array<number>(lines.length);
    let spend = 0;
    for (let k = 0; k < lines.length; k++) {
      const li = lines[k]!;
      const net = Math.max(0, merged[li]!.qty * unitPrice[li]! - lineDiscount[li]!);
      nets[k] = net;
      spend += net;
    }
    if (spend <= 0 || spend < p.rule.spendMinor) return null;
    const off =
      p.rule.offMinor !== undefined
        ? Math.max(0, Math.trunc(p.rule.offMinor) || 0)
        : Math.round((spend * Math.min(10_000, Math.max(0, Math.trunc(p.rule.bp ?? 0) || 0))) / 10_000);
    const total = Math.min(off, spend);
    if (total <= 0) return null;
    return { info, lines, nets, total };
  };
  const applyThreshold = (t: NonNullable<ReturnType<typeof tryThreshold>>) => {
    // Split only for the threshold that applies (the others of a BEST_OF group were only compared).
    const shares = spread(t.total, t.nets);
    for (let k = 0; k < t.lines.length; k++) {
      const li = t.lines[k]!;
      aggD[li] = shares[k]!;
      aggK[li] = merged[li]!.qty;
    }
    record(t.info, t.lines, t.total);
    anyThreshold = true;
  };
  for (const pi of thresholds) {
    if (blocked) break;
    const p = promos[pi]!.p;
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
        if (promos[q]!.p.stacking !== 'BEST_OF') continue;
        const t = tryThreshold(q);
        if (t && (!best || t.total > best.total)) best = t;
      }
      if (best) applyThreshold(best);
    }
  }

  // Which applied promotions can make the total lower when an item is added (see the header): every one of a kind
  // that groups units or counts spend, and every unit-level BEST_OF one when two or more competed in this basket.
  let bestOfCompeting = 0;
  for (const q of unitLevel) if (promos[q]!.p.stacking === 'BEST_OF') bestOfCompeting++;
  const appliedOut: AppliedPromotion[] = new Array(applied.length);
  for (let k = 0; k < applied.length; k++) {
    const a = applied[k]!;
    const info = a.info;
    const p = info.p;
    const bestOf = p.stacking === 'BEST_OF' && !info.threshold && bestOfCompeting >= 2;
    const lowers = info.lowersTotal || bestOf;
    const saved = explanationPrefixOf(info, currency) + fmt(a.total, currency);
    const explanation = lowers ? `${saved} (${lowersTotalWords(p.rule, bestOf)})` : saved;
    appliedOut[k] = lowers
      ? {
          promotionId: p.id,
          name: p.name,
          kind: p.rule.kind,
          discountMinor: a.total,
          skus: a.skus,
          explanation,
          lowersTotal: true,
        }
      : {
          promotionId: p.id,
          name: p.name,
          kind: p.rule.kind,
          discountMinor: a.total,
          skus: a.skus,
          explanation,
        };
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
    lines[i] =
      l.name !== undefined
        ? {
            sku: l.sku,
            name: l.name,
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
          }
        : {
            sku: l.sku,
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
    const took = (discountBy?.get(o.pendingPromotion) ?? 0) > 0;
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
    promotions: appliedOut,
    coupons,
  };
}

/** Rules with nothing in them (catalog prices, the default tax table): what a store prices with before its first pull. */
export function emptyRules(currency: string, taxRatesPpm: Readonly<Record<string, number>>): PricingRules {
  return { currency, taxRatesPpm, prices: [], promotions: [], couponKeys: [], revision: 0 };
}

/** The entry in effect for a sku at `at` (see `price`), or null for the catalog's price. */
export function effectivePrice(rules: PricingRules, sku: string, at: number): PriceEntry | null {
  const si = indexOf(rules).skus.get(sku);
  return si ? effectiveIn(si, at) : null;
}

/** The most units one basket may hold (each unit is tracked on its own). */
export const MAX_UNITS = 100_000;

// ---- internals -------------------------------------------------------------------------------------------------------

/** Work arrays of one pricing: per line (starts, per-promotion sums) and per unit; grown on demand. */
class Scratch {
  lines = 0;
  units = 0;
  starts = new Int32Array(0);
  aggD = new Float64Array(0);
  aggK = new Int32Array(0);
  aggIn = new Uint8Array(0);
  line = new Int32Array(0);
  left = new Float64Array(0);
  state = new Uint8Array(0);
  ensureLines(need: number): void {
    if (need <= this.lines) return;
    const size = Math.max(need, 2 * this.lines, 64);
    this.lines = size;
    this.starts = new Int32Array(size);
    this.aggD = new Float64Array(size);
    this.aggK = new Int32Array(size);
    this.aggIn = new Uint8Array(size);
  }
  ensureUnits(need: number): void {
    if (need <= this.units) return;
    const size = Math.max(need, 2 * this.units, 256);
    this.units = size;
    this.line = new Int32Array(size);
    this.left = new Float64Array(size);
    this.state = new Uint8Array(size);
  }
}
/** A basket bigger than this gets work arrays of its own size, not kept after it. */
const SCRATCH_KEEP = 8192;
let scratch = new Scratch();
let scratchBusy = false;

interface PromoInfo {
  readonly p: Promotion;
  readonly stores: ReadonlySet<string> | null;
  readonly regions: ReadonlySet<string> | null;
  /** THRESHOLD: basket-level. */
  readonly threshold: boolean;
  /** Runs only for a member (membersOnly, or a MEMBER_PRICE). */
  readonly forMembers: boolean;
  /** ruleLowersTotal(rule). */
  readonly lowersTotal: boolean;
  /** ruleWords(rule, currency) and the applied explanation's head, made on first use (formatting may throw). */
  words: string | null;
  prefix: string | null;
}
/**
 * What the rules say about one sku (one map lookup a line): its book entries, the one in effect over [lo, hi) (found
 * at some time in it; no entry starts or ends inside), and the promotions naming it.
 */
interface SkuIndex {
  /** Most specific first, then latest from, then highest revision. */
  readonly list: PriceEntry[];
  entry: PriceEntry | null;
  lo: number;
  hi: number;
  /** Indexes into the sorted promotions (ascending), or undefined. */
  promos: number[] | undefined;
}
/** One applied promotion, before its words: its saving, and the skus it discounted. */
interface Applied {
  readonly info: PromoInfo;
  readonly total: number;
  readonly skus: string[];
}
interface RulesIndex {
  /** Per sku named by an entry or a promotion (see SkuIndex). */
  readonly skus: Map<string, SkuIndex>;
  /** Sorted by priority, then id; the maps below hold indexes into it (ascending). */
  readonly promos: PromoInfo[];
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
  const skus = new Map<string, SkuIndex>();
  const skuIndex = (sku: string): SkuIndex => {
    let s = skus.get(sku);
    if (!s) {
      s = { list: [], entry: null, lo: Number.POSITIVE_INFINITY, hi: Number.NEGATIVE_INFINITY, promos: undefined };
      skus.set(sku, s);
    }
    return s;
  };
  for (const e of rules.prices) skuIndex(e.sku).list.push(e);
  for (const { list } of skus.values())
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
      threshold: p.rule.kind === 'THRESHOLD',
      forMembers: Boolean(p.membersOnly || p.rule.kind === 'MEMBER_PRICE'),
      lowersTotal: ruleLowersTotal(p.rule),
      words: null,
      prefix: null,
    }));
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
    for (const sku of target.skus ?? []) {
      const s = skuIndex(sku);
      if (!s.promos) s.promos = [];
      if (s.promos[s.promos.length - 1] !== i) s.promos.push(i);
    }
    for (const c of target.categories ?? []) add(byCategory, c, i);
  });
  const firstBestOf = promos.findIndex(({ p }) => p.stacking === 'BEST_OF' && p.rule.kind !== 'THRESHOLD');
  ix = {
    skus,
    promos,
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

/**
 * effectiveEntry for a sku, remembered with the span around `at` in which no entry of the sku starts or ends (so the
 * same entry is in effect all through it): a till pricing basket after basket looks each sku up once per change.
 */
function effectiveIn(s: SkuIndex, at: number): PriceEntry | null {
  if (s.lo <= at && at < s.hi) return s.entry;
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  for (const e of s.list) {
    if (e.from <= at) lo = Math.max(lo, e.from);
    else hi = Math.min(hi, e.from);
    if (e.to !== null) {
      if (e.to <= at) lo = Math.max(lo, e.to);
      else hi = Math.min(hi, e.to);
    }
  }
  s.entry = effectiveEntry(s.list, at);
  s.lo = lo;
  s.hi = hi;
  return s.entry;
}

const wordsOf = (info: PromoInfo, currency: string): string => {
  if (info.words === null) info.words = ruleWords(info.p.rule, currency);
  return info.words;
};
const explanationPrefixOf = (info: PromoInfo, currency: string): string => {
  if (info.prefix === null) info.prefix = `${info.p.name}: ${wordsOf(info, currency)}, you save `;
  return info.prefix;
};

/** Sorts small integers ascending in place (insertion sort: the lists are a basket's promotions or lines). */
function sortInts(a: number[]): void {
  if (a.length > 64) {
    a.sort((x, y) => x - y);
    return;
  }
  for (let i = 1; i < a.length; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const allLines = (n: number) => {
  const all = new Array<number>(n);
  for (let i = 0; i < n; i++) all[i] = i;
  return all;
};
const runsAt = (p: Promotion, at: number) => p.from <= at && (p.to === null || at < p.to);
const runsHere = (info: PromoInfo, ctx: PricingContext) =>
  (!info.stores && !info.regions) ||
  (ctx.storeId !== null && info.stores?.has(ctx.storeId) === true) ||
  (ctx.regionId !== null && info.regions?.has(ctx.regionId) === true);

function mergeLines(basket: readonly BasketLine[]): BasketLine[] {
  // A stable sort keeps a sku's lines in basket order, so they merge in the order they came (ties keep the first).
  // A till's basket is short: an insertion sort (stable) with the comparison inline, checking each line as it is
  // taken (in basket order, so the first bad line is the one reported), beats a check pass and a sort calling back.
  const len = basket.length;
  let sorted: BasketLine[];
  if (len > 64) {
    for (const l of basket) checkLine(l);
    sorted = basket.slice().sort((a, b) => cmp(a.sku, b.sku));
  } else {
    sorted = new Array<BasketLine>(len);
    for (let i = 0; i < len; i++) {
      const l = basket[i]!;
      checkLine(l);
      const sku = l.sku;
      let j = i - 1;
      while (j >= 0 && sorted[j]!.sku > sku) {
        sorted[j + 1] = sorted[j]!;
        j--;
      }
      sorted[j + 1] = l;
    }
  }
  const out: BasketLine[] = [];
  for (const l of sorted) {
    const had = out.length > 0 ? out[out.length - 1]! : undefined;
    if (had === undefined || had.sku !== l.sku) out.push(l);
    else {
      const keep = canonical(had, l) <= 0 ? had : l;
      out[out.length - 1] = { ...keep, qty: had.qty + l.qty };
    }
  }
  return out;
}
function checkLine(l: BasketLine): void {
  if (!Number.isSafeInteger(l.qty) || l.qty < 1) throw new RangeError(`qty of ${l.sku} must be an integer ≥ 1`);
  if (!Number.isSafeInteger(l.catalogPriceMinor) || l.catalogPriceMinor < 0)
    throw new RangeError(`the catalog price of ${l.sku} must be a non-negative integer`);
}
function canonical(a: BasketLine, b: BasketLine): number {
  return (
    a.catalogPriceMinor - b.catalogPriceMinor ||
    cmp(a.taxClass, b.taxClass) ||
    cmp(a.category ?? '', b.category ?? '') ||
    cmp(a.name ?? '', b.name ?? '')
  );
}

/** The couponed promotions of a basket without coupons (read only). */
const NO_COUPONS: ReadonlySet<string> = new Set<string>();

interface PendingOutcome {
  readonly outcome: CouponOutcome;
  /** Set for a valid coupon of a couponRequired promotion: APPLIED or NOT_APPLICABLE once priced. */
  readonly pendingPromotion?: string;
}

function checkCoupons(
  rules: PricingRules,
  index: RulesIndex,
  ctx: PricingContext,
): { outcomes: PendingOutcome[]; couponed: ReadonlySet<string> } {
  if (!ctx.coupons || ctx.coupons.length === 0) return { outcomes: [], couponed: NO_COUPONS };
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
