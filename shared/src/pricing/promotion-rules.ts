import { formatMoney } from '../money.js';
import type { PromotionRule } from './types.js';

/**
 * The unit-level arithmetic of each promotion kind, over a basket's units (one entry per unit, lines sorted by sku) and
 * the words that explain it. Pure; integer results; a unit's discount is never above what is left of its price.
 */

/** The units of one basket: what is left of each unit's price and who took it. */
export interface Units {
  /** The line (index in the sorted lines) of each unit. */
  readonly line: Int32Array;
  /** What is left of the unit's price (minor units). */
  readonly left: Float64Array;
  /** 0 untaken, 1 taken by STACKABLE promotions only, 2 taken by an EXCLUSIVE or BEST_OF promotion. */
  readonly state: Uint8Array;
}

/** What a promotion would do: the units it takes and each one's discount (parallel arrays), and their sum. */
export interface Evaluation {
  readonly units: number[];
  readonly discounts: number[];
  total: number;
}

const pctOf = (left: number, bp: number) => Math.min(left, Math.max(0, Math.round((left * clampBp(bp)) / 10_000)));
const clampBp = (bp: number) => (Number.isFinite(bp) ? Math.min(10_000, Math.max(0, Math.trunc(bp))) : 0);
const posInt = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;

/** Most expensive first; ties by line (sku order), then unit order: which units are "the cheapest" is fixed. */
function byValueDesc(units: Units, eligible: number[]): number[] {
  const left = units.left;
  if (eligible.length > 64) return eligible.sort((a, b) => left[b]! - left[a]! || a - b);
  // A total order (value, then unit), so an inline insertion sort gives the same as the sort calling back.
  for (let i = 1; i < eligible.length; i++) {
    const u = eligible[i]!;
    const v = left[u]!;
    let j = i - 1;
    while (j >= 0 && (left[eligible[j]!]! < v || (left[eligible[j]!]! === v && eligible[j]! > u))) {
      eligible[j + 1] = eligible[j]!;
      j--;
    }
    eligible[j + 1] = u;
  }
  return eligible;
}

/**
 * Splits `total` over `weights` in proportion, each share floored, the rest one by one to the largest remainders
 * (ties to the earlier index: units and lines are in sku order). Integer arithmetic; BigInt when the products would
 * leave the exact range of a double.
 */
export function spread(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = new Array<number>(weights.length).fill(0);
  if (total <= 0 || sum <= 0) return shares;
  const rems = new Array<number>(weights.length);
  let given = 0;
  const big = total * sum > Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < weights.length; i++) {
    if (big) {
      const p = BigInt(total) * BigInt(weights[i]!);
      shares[i] = Number(p / BigInt(sum));
      rems[i] = Number(p % BigInt(sum));
    } else {
      const p = total * weights[i]!;
      shares[i] = Math.floor(p / sum);
      rems[i] = p - shares[i]! * sum;
    }
    given += shares[i]!;
  }
  if (given >= total) return shares;
  // Largest remainder first, ties to the earlier index (a total order: any sort gives the same); insertion sort for
  // the short lists a basket has.
  const order = new Array<number>(weights.length);
  for (let i = 0; i < weights.length; i++) order[i] = i;
  if (order.length > 64) order.sort((a, b) => rems[b]! - rems[a]! || a - b);
  else
    for (let i = 1; i < order.length; i++) {
      const v = order[i]!;
      const r = rems[v]!;
      let j = i - 1;
      while (j >= 0 && rems[order[j]!]! < r) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = v;
    }
  for (let k = 0; given < total && k < order.length; k++, given++) shares[order[k]!]!++;
  return shares;
}

/** Groups of `size` from the most expensive; each full group's price becomes `price` (when that is lower). */
function groupPrice(units: Units, eligible: number[], size: number, price: number, out: Evaluation): void {
  const sorted = byValueDesc(units, eligible);
  for (let g = 0; g + size <= sorted.length; g += size) {
    const group = sorted.slice(g, g + size);
    const values = group.map((u) => units.left[u]!);
    const sum = values.reduce((a, b) => a + b, 0);
    if (sum <= price) continue;
    const shares = spread(sum - price, values);
    for (let i = 0; i < group.length; i++) push(out, group[i]!, Math.min(shares[i]!, values[i]!));
  }
}

function push(out: Evaluation, unit: number, discount: number): void {
  out.units.push(unit);
  out.discounts.push(discount);
  out.total += discount;
}

/** What `rule` does to the eligible units (left > 0, allowed by stacking). THRESHOLD is basket-level: not here. */
export function evaluateRule(rule: PromotionRule, units: Units, eligible: number[]): Evaluation {
  const out: Evaluation = { units: [], discounts: [], total: 0 };
  switch (rule.kind) {
    case 'PERCENT_OFF':
      for (const u of eligible) {
        const d = pctOf(units.left[u]!, rule.bp);
        if (d > 0) push(out, u, d);
      }
      break;
    case 'AMOUNT_OFF':
      for (const u of eligible) {
        const d = Math.min(units.left[u]!, Math.max(0, Math.trunc(rule.amountMinor) || 0));
        if (d > 0) push(out, u, d);
      }
      break;
    case 'MEMBER_PRICE':
      for (const u of eligible) {
        const left = units.left[u]!;
        const d =
          rule.priceMinor !== undefined
            ? Math.max(0, left - Math.max(0, Math.trunc(rule.priceMinor) || 0))
            : pctOf(left, rule.bp ?? 0);
        if (d > 0) push(out, u, d);
      }
      break;
    case 'MULTI_BUY': {
      if (!posInt(rule.buy)) break;
      if (rule.priceMinor !== undefined) {
        if (Number.isSafeInteger(rule.priceMinor) && rule.priceMinor >= 0)
          groupPrice(units, eligible, rule.buy, rule.priceMinor, out);
        break;
      }
      const payFor = rule.payFor ?? rule.buy;
      if (!Number.isSafeInteger(payFor) || payFor < 0 || payFor >= rule.buy) break;
      const sorted = byValueDesc(units, eligible);
      for (let g = 0; g + rule.buy <= sorted.length; g += rule.buy)
        for (let i = 0; i < rule.buy; i++) {
          const u = sorted[g + i]!;
          // The group's paid units are in the deal too (an EXCLUSIVE one takes them); the cheapest are free.
          push(out, u, i >= payFor ? units.left[u]! : 0);
        }
      break;
    }
    case 'BOGO': {
      if (!posInt(rule.buy) || !posInt(rule.get)) break;
      const sorted = byValueDesc(units, eligible);
      const size = rule.buy + rule.get;
      // A last group with fewer than `get` discounted units still gets those it has (buy 1 get 2: the 2nd is free).
      for (let g = 0; g + rule.buy < sorted.length; g += size)
        for (let i = 0; i < size && g + i < sorted.length; i++) {
          const u = sorted[g + i]!;
          push(out, u, i >= rule.buy ? pctOf(units.left[u]!, rule.bp) : 0);
        }
      break;
    }
    case 'MIX_MATCH':
      if (posInt(rule.qty) && Number.isSafeInteger(rule.priceMinor) && rule.priceMinor >= 0)
        groupPrice(units, eligible, rule.qty, rule.priceMinor, out);
      break;
    case 'THRESHOLD':
      break;
  }
  return out;
}

/**
 * Whether a promotion of this kind can make a basket's total lower when an item is added (see engine.ts): the kinds
 * that group units (MULTI_BUY, BOGO, MIX_MATCH: one more item completes or rearranges a group) or count spend
 * (THRESHOLD: one more item reaches the spend). The per-unit kinds (PERCENT_OFF, AMOUNT_OFF, MEMBER_PRICE) never do:
 * each unit's discount depends on that unit alone.
 */
export function ruleLowersTotal(rule: PromotionRule): boolean {
  switch (rule.kind) {
    case 'THRESHOLD':
    case 'MULTI_BUY':
    case 'BOGO':
    case 'MIX_MATCH':
      return true;
    default:
      return false;
  }
}

/**
 * Why an applied promotion marked `lowersTotal` can make the total go down when an item is added, in words for the
 * receipt (`bestOf`: it was chosen as the best of two or more BEST_OF offers).
 */
export function lowersTotalWords(rule: PromotionRule, bestOf: boolean): string {
  if (rule.kind === 'THRESHOLD') return 'an added item can reach the spend, so adding one can lower the total';
  if (ruleLowersTotal(rule))
    return 'an added item can complete or regroup this deal, so adding one can lower the total';
  if (bestOf) return 'the best of several offers applies, so an added item can switch offers and lower the total';
  return '';
}

/**
 * formatMoney, remembered per currency: a receipt's amounts repeat (shares, savings), and formatting is pure. At most
 * FMT_CACHE amounts a currency are kept (then it starts over), so hostile amounts cannot grow it without bound.
 */
export const fmt = (minor: number, currency: string): string => {
  let cache = lastFmt;
  if (cache === null || cache.currency !== currency) {
    cache = fmtCache.get(currency) ?? null;
    if (!cache) {
      cache = { currency, small: new Array<string | undefined>(FMT_SMALL).fill(undefined), other: new Map() };
      fmtCache.set(currency, cache);
    }
    lastFmt = cache;
  }
  // Amounts below FMT_SMALL (most shares and savings) by array index; others in a map of at most FMT_CACHE.
  // −0 is kept out of both (a map would give it 0's words, and Intl writes it "-0").
  if (Object.is(minor, -0)) return formatMoney({ minor, currency });
  if (minor >= 0 && minor < FMT_SMALL && Number.isInteger(minor)) {
    let s = cache.small[minor];
    if (s === undefined) {
      s = formatMoney({ minor, currency });
      cache.small[minor] = s;
    }
    return s;
  }
  let s = cache.other.get(minor);
  if (s === undefined) {
    s = formatMoney({ minor, currency });
    if (cache.other.size >= FMT_CACHE) cache.other.clear();
    cache.other.set(minor, s);
  }
  return s;
};
const FMT_SMALL = 20_000;
const FMT_CACHE = 10_000;
interface FmtCache {
  readonly currency: string;
  readonly small: (string | undefined)[];
  readonly other: Map<number, string>;
}
const fmtCache = new Map<string, FmtCache>();
let lastFmt: FmtCache | null = null;
export const pct = (bp: number): string => {
  const b = clampBp(bp);
  return `${b % 100 === 0 ? b / 100 : (b / 100).toFixed(2).replace(/0+$/, '')} %`;
};

/** The rule in words ("3 for 2", "10 % off", "$5.00 off a $50.00 spend"). */
export function ruleWords(rule: PromotionRule, currency: string): string {
  switch (rule.kind) {
    case 'PERCENT_OFF':
      return `${pct(rule.bp)} off`;
    case 'AMOUNT_OFF':
      return `${fmt(rule.amountMinor, currency)} off each`;
    case 'MULTI_BUY':
      return rule.priceMinor !== undefined
        ? `${rule.buy} for ${fmt(rule.priceMinor, currency)}`
        : `${rule.buy} for ${rule.payFor ?? rule.buy}`;
    case 'BOGO':
      return clampBp(rule.bp) >= 10_000
        ? `buy ${rule.buy} get ${rule.get} free`
        : `buy ${rule.buy} get ${rule.get} at ${pct(rule.bp)} off`;
    case 'MIX_MATCH':
      return `any ${rule.qty} for ${fmt(rule.priceMinor, currency)}`;
    case 'THRESHOLD':
      return `${rule.offMinor !== undefined ? fmt(rule.offMinor, currency) : pct(rule.bp ?? 0)} off a ${fmt(rule.spendMinor, currency)} spend`;
    case 'MEMBER_PRICE':
      return rule.priceMinor !== undefined
        ? `member price ${fmt(rule.priceMinor, currency)}`
        : `members ${pct(rule.bp ?? 0)} off`;
  }
}

/** One line's part in words: `discounted` units got a discount, `discount` in all, of `taken` units in the deal. */
export function lineWords(rule: PromotionRule, currency: string, discounted: number, discount: number): string {
  return lineWordsOf(rule, currency, ruleWords(rule, currency), discounted, discount);
}

/** lineWords with the rule's words already made (`words` = ruleWords(rule, currency)). */
export function lineWordsOf(
  rule: PromotionRule,
  currency: string,
  words: string,
  discounted: number,
  discount: number,
): string {
  switch (rule.kind) {
    case 'MULTI_BUY':
      return rule.priceMinor !== undefined
        ? `${words}: ${fmt(discount, currency)} off`
        : `${words}: ${discounted} free`;
    case 'BOGO':
      return clampBp(rule.bp) >= 10_000
        ? `${words}: ${discounted} free`
        : `${words}: ${discounted} at ${pct(rule.bp)} off`;
    case 'MIX_MATCH':
      return `${words}: ${fmt(discount, currency)} off`;
    case 'THRESHOLD':
      return `${words} (your share ${fmt(discount, currency)})`;
    default:
      return discounted > 1 ? `${words} (${discounted} items)` : words;
  }
}
