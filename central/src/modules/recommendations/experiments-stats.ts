/**
 * The statistics of the A/B test, pure and dependency-free: draws from a Beta posterior (Thompson sampling), its
 * quantiles (the console's 95 % credible interval) and the chance each variant is the best (Monte Carlo).
 *
 * A variant with `clicks` of `impressions` has the posterior Beta(1 + clicks, 1 + impressions − clicks) (a uniform
 * prior on its click-through rate).
 */

/** A source of uniform numbers in [0, 1). */
export type Uniform = () => number;

/**
 * A small seeded generator (a Weyl sequence through a 32-bit mixing function): the same seed gives the same numbers,
 * so the console's chance-best figures do not flicker between two reads of the same counts.
 */
export function seededUniform(seed: number): Uniform {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4_294_967_296;
  };
}

/** A standard normal draw (Box–Muller; `1 − u` keeps the logarithm away from 0). */
export function normalDraw(random: Uniform): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A Gamma(shape, 1) draw by Marsaglia and Tsang's squeeze method (2000): a transformed normal accepted with a cheap
 * test most of the time. Shapes below 1 draw Gamma(shape + 1) and scale by u^(1/shape).
 */
export function gammaDraw(shape: number, random: Uniform): number {
  if (!(shape > 0)) throw new RangeError(`a Gamma shape must be positive, not ${shape}`);
  if (shape < 1) return gammaDraw(shape + 1, random) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normalDraw(random);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - random();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw as X / (X + Y) of two Gamma draws. */
export function betaDraw(a: number, b: number, random: Uniform): number {
  const x = gammaDraw(a, random);
  const y = gammaDraw(b, random);
  return x / (x + y);
}

/** ln Γ(x) for x > 0: Stirling's series past 10, shifted up by the recurrence Γ(x + 1) = x Γ(x) below it. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`ln Γ needs a positive argument, not ${x}`);
  let shift = 0;
  while (x < 10) {
    shift += Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

const TINY = 1e-300;
const CF_EPSILON = 1e-14;
const CF_MAX_TERMS = 100_000;

/** The continued fraction of I_x(a, b), evaluated by Lentz's method; converges fast for x < (a + 1) / (a + b + 2). */
function betaFraction(x: number, a: number, b: number): number {
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 1; i <= CF_MAX_TERMS; i++) {
    const m = Math.floor(i / 2);
    const term =
      i % 2 === 1
        ? (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
        : (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + term * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + term / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < CF_EPSILON) break;
  }
  return f;
}

/** The regularised incomplete beta function I_x(a, b) = P(Beta(a, b) ≤ x). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return Math.exp(logFront) / a / betaFraction(x, a, b);
  return 1 - Math.exp(logFront) / b / betaFraction(1 - x, b, a);
}

/**
 * The p-quantile of Beta(a, b): the x with I_x(a, b) = p, by bisection (the function rises monotonically in x), to
 * within 1e-10. Exact for every count — no normal approximation is used, so a rare click over a million impressions
 * (a strongly skewed posterior) still gets an honest interval.
 */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Bracket within the mean ± 12 standard deviations (clamped to [0, 1]) so bisection starts close.
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  let lo = Math.max(0, mean - 12 * sd);
  let hi = Math.min(1, mean + 12 * sd);
  if (incompleteBeta(lo, a, b) > p) lo = 0;
  if (incompleteBeta(hi, a, b) < p) hi = 1;
  while (hi - lo > 1e-10) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A variant's counts as the statistics need them. */
export interface Counts {
  readonly impressions: number;
  readonly clicks: number;
}

/** The posterior's parameters: Beta(1 + clicks, 1 + misses), clicks clamped into [0, impressions]. */
export function posterior(c: Counts): { a: number; b: number } {
  const n = Math.max(0, c.impressions);
  const k = Math.min(Math.max(0, c.clicks), n);
  return { a: 1 + k, b: 1 + n - k };
}

/** The observed click-through rate (0 before any impression) and its 95 % credible interval. */
export function ctrInterval(c: Counts): { ctr: number; low: number; high: number } {
  const { a, b } = posterior(c);
  return {
    ctr: c.impressions > 0 ? Math.min(c.clicks, c.impressions) / c.impressions : 0,
    low: betaQuantile(0.025, a, b),
    high: betaQuantile(0.975, a, b),
  };
}

/** Draws per chance-best estimate: a standard error of at most 0.005 on each chance. */
export const CHANCE_BEST_DRAWS = 10_000;

/**
 * For each variant, the chance its click-through rate is the highest: the share of `draws` joint draws from the
 * posteriors in which it came first. Seeded, so the same counts give the same figures.
 */
export function chanceBest(variants: readonly Counts[], draws = CHANCE_BEST_DRAWS, seed = 21): number[] {
  if (variants.length === 0) return [];
  const params = variants.map(posterior);
  const wins = new Array<number>(variants.length).fill(0);
  const random = seededUniform(seed);
  for (let t = 0; t < draws; t++) {
    let best = 0;
    let bestValue = -1;
    params.forEach(({ a, b }, i) => {
      const v = betaDraw(a, b, random);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    });
    wins[best]!++;
  }
  return wins.map((w) => w / draws);
}

/** Thompson sampling: one draw from each posterior, the index of the highest (−1 for none). */
export function thompsonPick(variants: readonly Counts[], random: Uniform = Math.random): number {
  let best = -1;
  let bestValue = -1;
  variants.forEach((v, i) => {
    const { a, b } = posterior(v);
    const draw = betaDraw(a, b, random);
    if (draw > bestValue) {
      bestValue = draw;
      best = i;
    }
  });
  return best;
}
