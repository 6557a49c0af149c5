import { availableParallelism, loadavg } from 'node:os';
import { roundHalfAwayFromZero } from '../../../shared/src/money.js';
import { price } from '../../../shared/src/pricing/engine.js';
import type {
  BasketLine,
  PriceEntry,
  PricingRules,
  Promotion,
  PromotionRule,
} from '../../../shared/src/pricing/types.js';
import { against, type Figure, round } from '../figure.js';
import { check } from '../support/check.js';

/**
 * `pricing` part 1 (lane A): baskets of 30 lines priced per second with 50 active promotions on one core
 * (`baskets_per_s`, goal ≥ 20,000/s), against the anchor measured in the same run on the same baskets: the till's
 * arithmetic before #25 (catalog price × qty + tax per line; no books, no promotions). A synthetic catalog of 5,000
 * skus in 40 categories; chain, region and store books for part of it (some entries future-dated); 50 promotions of
 * every kind and stacking. Every basket is 30 lines. Warm-up ≥ 2,000 baskets and ~1 s; the timed loops (engine and
 * anchor) do only the pricing; the check runs after, outside them: on baskets no promotion touched the engine's total
 * equals the plain arithmetic over its unit prices, and on the rest it is not above it. Prints whether the goal was met
 * and the load average at the start (a loaded machine gives lower figures).
 */
export async function pricingEngineFigures(): Promise<Figure[]> {
  const n = Number(process.env.BENCH_BASKETS ?? 20_000);
  const at = Date.UTC(2026, 10, 30, 12);
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const SKUS = 5_000;
  const catalog = Array.from({ length: SKUS }, (_, i) => ({
    sku: `SKU-${String(i).padStart(5, '0')}`,
    catalogPriceMinor: int(50, 5_000),
    taxClass: i % 10 === 0 ? 'reduced' : 'standard',
    category: `cat-${i % 40}`,
  }));
  const prices: PriceEntry[] = [];
  let revision = 0;
  for (const c of catalog) {
    const r = rnd();
    const entry = (scope: PriceEntry['scope'], from: number, factor: number, member = false): PriceEntry => ({
      bookId: `${scope.toLowerCase()}-book`,
      scope,
      sku: c.sku,
      priceMinor: Math.round(c.catalogPriceMinor * factor),
      memberPriceMinor: member ? Math.round(c.catalogPriceMinor * factor * 0.9) : null,
      from,
      to: null,
      revision: ++revision,
    });
    if (r < 0.6) prices.push(entry('CHAIN', at - 86_400_000, 1.02, rnd() < 0.2));
    if (r < 0.15) prices.push(entry('REGION', at - 3_600_000, 0.98));
    if (r < 0.05) prices.push(entry('STORE', at - 60_000, 0.95));
    if (r < 0.1) prices.push(entry('CHAIN', at + 86_400_000, 1.1));
  }
  // 50 active promotions over the first 2,000 skus and 20 of the 40 categories (the rest carry none).
  const kinds: ((t: { skus?: string[]; categories?: string[] }) => PromotionRule)[] = [
    (target) => ({ kind: 'PERCENT_OFF', target, bp: int(500, 3000) }),
    (target) => ({ kind: 'AMOUNT_OFF', target, amountMinor: int(10, 200) }),
    (target) => ({ kind: 'MULTI_BUY', target, buy: 3, payFor: 2 }),
    (target) => ({ kind: 'MULTI_BUY', target, buy: 2, priceMinor: int(500, 3000) }),
    (target) => ({ kind: 'BOGO', target, buy: 1, get: 1, bp: 5000 }),
    (target) => ({ kind: 'MIX_MATCH', target, qty: 3, priceMinor: int(1000, 5000) }),
    (target) => ({ kind: 'MEMBER_PRICE', target, bp: 1000 }),
  ];
  const stackings = ['EXCLUSIVE', 'STACKABLE', 'BEST_OF'] as const;
  const promotions: Promotion[] = Array.from({ length: 50 }, (_, i) => {
    const target =
      i % 3 === 0
        ? { categories: [`cat-${(i % 20) * 2}`] }
        : { skus: Array.from({ length: int(5, 40) }, () => catalog[int(0, 1_999)]!.sku) };
    const rule: PromotionRule =
      i % 10 === 9
        ? { kind: 'THRESHOLD', spendMinor: int(20_000, 60_000), offMinor: int(500, 2_000) }
        : kinds[i % 7]!(target);
    return {
      id: `promo-${String(i).padStart(2, '0')}`,
      name: `Promotion ${i}`,
      rule,
      priority: int(1, 20),
      stacking: stackings[i % 3]!,
      from: at - 86_400_000,
      to: at + 86_400_000,
      revision: ++revision,
      ...(i % 7 === 6 ? { membersOnly: true } : {}),
    };
  });
  const rules: PricingRules = {
    currency: 'USD',
    taxRatesPpm: { standard: 80_000, reduced: 50_000 },
    prices,
    promotions,
    couponKeys: [],
    revision,
  };
  // Every basket is 30 lines from the whole catalog (promoted and not), as the figure says.
  const baskets: BasketLine[][] = Array.from({ length: n }, () =>
    Array.from({ length: 30 }, () => ({ ...catalog[int(0, SKUS - 1)]!, qty: int(1, 3) })),
  );
  const members = baskets.map((_, b) => b % 3 === 0);
  const contexts = baskets.map((_, b) => ({ at, storeId: 'store-a', regionId: 'north', member: members[b]! }));
  const load = loadavg()[0]!;
  console.log(`  load average at start ${load.toFixed(2)} on ${availableParallelism()} cores`);

  // The anchor: the till's arithmetic before #25.
  const plain = (lines: readonly BasketLine[]) => {
    let total = 0;
    for (const l of lines) {
      const gross = l.catalogPriceMinor * l.qty;
      total += gross + roundHalfAwayFromZero((gross * rules.taxRatesPpm[l.taxClass]!) / 1_000_000);
    }
    return total;
  };
  // Warm-up: at least 2,000 baskets and about a second through the engine (and the anchor), so both are compiled.
  let sink = 0;
  const warmStart = performance.now();
  for (let b = 0; b < 2_000 || performance.now() - warmStart < 1_000; b++) {
    const k = b % n;
    sink += price(baskets[k]!, rules, contexts[k]!).totalMinor + plain(baskets[k]!);
    if (b > 200_000) break;
  }

  // Timed: only the pricing, the same loop shape for both.
  const t0 = performance.now();
  for (let b = 0; b < n; b++) sink += plain(baskets[b]!);
  const plainS = (performance.now() - t0) / 1000;
  const tStart = performance.now();
  for (let b = 0; b < n; b++) sink += price(baskets[b]!, rules, contexts[b]!).totalMinor;
  const engineS = (performance.now() - tStart) / 1000;
  if (sink === -1) console.log(sink);

  // Latency per basket, a separate pass (performance.now() around each call would weigh on the rate above).
  const sample = Math.min(n, 5_000);
  const times = new Float64Array(sample);
  for (let b = 0; b < sample; b++) {
    const s = performance.now();
    sink += price(baskets[b]!, rules, contexts[b]!).totalMinor;
    times[b] = performance.now() - s;
  }
  times.sort();
  const p99us = times[Math.min(sample - 1, Math.floor(sample * 0.99))]! * 1000;

  // The check, outside the timed loops: with no promotion the engine's total is the plain arithmetic over its unit
  // prices; with promotions it is not above it.
  let wrongPlain = 0;
  let above = 0;
  let promoted = 0;
  for (let b = 0; b < n; b++) {
    const p = price(baskets[b]!, rules, contexts[b]!);
    let flat = 0;
    for (const l of p.lines)
      flat += l.grossMinor + roundHalfAwayFromZero((l.grossMinor * rules.taxRatesPpm[l.taxClass]!) / 1_000_000);
    if (p.promotions.length === 0) {
      if (p.totalMinor !== flat) wrongPlain++;
    } else {
      promoted++;
      if (p.totalMinor > flat) above++;
    }
  }
  check(wrongPlain === 0, `${wrongPlain} baskets no promotion touched priced differently from the plain arithmetic`);
  check(above === 0, `${above} promoted baskets priced above the plain arithmetic`);
  check(promoted > 0, 'no basket had a promotion applied');
  const perS = n / engineS;
  console.log(
    `  goal ≥ ${GOAL_PER_S} baskets of 30 lines per second: ${perS >= GOAL_PER_S ? 'met' : 'NOT met'} (${round(perS)}/s; ${promoted} of ${n} baskets had a promotion applied; load average ${load.toFixed(2)} at start)`,
  );
  const bench = 'pricing';
  return [
    against({ bench, metric: 'baskets_per_s', value: perS, unit: '1/s', n }, 'anchor_plain_totals_per_s', n / plainS),
    { bench, metric: 'anchor_plain_totals_per_s', value: round(n / plainS), unit: '1/s', n },
    { bench, metric: 'engine_vs_plain_totals', value: round(plainS / engineS, 4), unit: 'ratio', n },
    { bench, metric: 'p99_us', value: round(p99us), unit: 'us', n: sample },
  ];
}

/** The goal for `baskets_per_s`. */
const GOAL_PER_S = 20_000;
