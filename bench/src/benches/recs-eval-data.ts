/**
 * The data of the `recs-eval` benchmark: MovieLens' `u.data` (user, item, rating, timestamp; tab-separated) from a
 * folder when one is given, else a synthetic set shaped like ml-100k. Every rating is one implicit interaction of
 * weight 1 (the issue's protocol: that the user rated the film is the signal, not the stars).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Triple } from '../../../central/src/modules/recommendations/models/index.js';
import { seededRng } from '../../../central/src/modules/recommendations/models/index.js';

export interface RecsData {
  /** "u.data (…/ml-100k)" or "synthetic (seed 7)". */
  readonly source: string;
  readonly real: boolean;
  readonly nUsers: number;
  readonly nItems: number;
  readonly triples: Triple[];
}

/** u.data is 2 MB for ml-100k, 25 MB-ish for the 1M set in this layout; past this the folder is not what we expect. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Reads `dir/u.data`; user and item ids are mapped to dense indices in order of first appearance. */
export function readMovieLens(dir: string): RecsData {
  const file = join(dir, 'u.data');
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new Error(`${file} is ${size} bytes, over the ${MAX_FILE_BYTES} this bench reads`);
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const triples: Triple[] = [];
  const id = (ids: Map<string, number>, key: string) => {
    const known = ids.get(key);
    if (known !== undefined) return known;
    ids.set(key, ids.size);
    return ids.size - 1;
  };
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, n) => {
    if (!line.trim()) return;
    const [user, item] = line.trim().split(/\s+/);
    if (!user || !item) throw new Error(`${file}:${n + 1}: expected user, item, rating, timestamp`);
    const u = id(users, user);
    const i = id(items, item);
    triples.push({ u, i, w: 1 });
  });
  return { source: `u.data (${dir})`, real: true, nUsers: users.size, nItems: items.size, triples };
}

export interface SyntheticShape {
  readonly users: number;
  readonly items: number;
  readonly ratings: number;
  /** Taste clusters (MovieLens has 19 genres). */
  readonly clusters: number;
  readonly seed: number;
}

export const ML100K_SHAPE: SyntheticShape = { users: 943, items: 1682, ratings: 100_000, clusters: 18, seed: 7 };

/**
 * A MovieLens-like set with structure a recommender can find, and popularity a baseline can exploit:
 * - each item belongs to one taste cluster and has a Zipf popularity (weight 1/(rank + 5)), ranks shuffled across
 *   clusters, so every cluster has its hits and its long tail;
 * - each user likes 1–2 clusters, one more per 80 ratings (random shares), and takes a mainstream share of 10–30 %
 *   from overall popularity;
 * - activity is heavy-tailed like ml-100k's (at least 20 ratings each, a few users with hundreds), scaled so the
 *   total is `ratings`;
 * - each user's items are distinct, drawn by cluster share then popularity within the cluster.
 */
export function syntheticMovieLens(shape: SyntheticShape): RecsData {
  const { users, items, clusters } = shape;
  const rng = seededRng(shape.seed);
  const ranks = Array.from({ length: items }, (_, i) => i);
  for (let i = items - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }
  const weight = ranks.map((r) => 1 / (r + 5));
  const clusterOf = Array.from({ length: items }, () => rng.int(clusters));
  const cdf = (ids: number[]) => {
    const c = new Float64Array(ids.length);
    let s = 0;
    ids.forEach((id, k) => {
      s += weight[id]!;
      c[k] = s;
    });
    return { ids, c, total: s };
  };
  const pick = (d: { ids: number[]; c: Float64Array; total: number }) => {
    const x = rng.next() * d.total;
    let lo = 0;
    let hi = d.ids.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d.c[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return d.ids[lo]!;
  };
  const everything = cdf(ranks.map((_, i) => i));
  const byCluster = Array.from({ length: clusters }, (_, c) => cdf(clusterOf.flatMap((k, i) => (k === c ? [i] : []))));

  // Heavy-tailed activity (Pareto, shape 1.3), at least 20 each, capped at half the items, scaled (by bisection on
  // the scale, since the cap clips the heaviest users) so that the total comes to `ratings`.
  const minimum = Math.min(20, Math.floor(shape.ratings / users));
  const cap = Math.max(minimum, Math.floor(items / 2));
  const raw = Array.from({ length: users }, () => (1 - rng.next()) ** (-1 / 1.3));
  const activityAt = (scale: number) => raw.map((r) => Math.min(cap, minimum + Math.round(scale * r)));
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  let low = 0;
  let high = shape.ratings;
  for (let step = 0; step < 60; step++) {
    const mid = (low + high) / 2;
    if (total(activityAt(mid)) < shape.ratings) low = mid;
    else high = mid;
  }
  const activity = activityAt(high);

  const triples: Triple[] = [];
  for (let u = 0; u < users; u++) {
    // Broader tastes for heavier users, as a film buff rates across genres.
    const liked = 1 + rng.int(2) + Math.floor(activity[u]! / 80);
    const tastes = Array.from({ length: liked }, () => ({
      cluster: rng.int(clusters),
      share: -Math.log(1 - rng.next()),
    }));
    const shareSum = tastes.reduce((a, t) => a + t.share, 0);
    const mainstream = 0.1 + 0.2 * rng.next();
    const have = new Set<number>();
    while (have.size < activity[u]!) {
      let item: number;
      if (rng.next() < mainstream) item = pick(everything);
      else {
        let x = rng.next() * shareSum;
        let t = 0;
        while (t < tastes.length - 1 && x >= tastes[t]!.share) x -= tastes[t++]!.share;
        const d = byCluster[tastes[t]!.cluster]!;
        item = d.ids.length ? pick(d) : pick(everything);
      }
      // A heavy user exhausts their clusters' hits: then the mainstream, then anything (at most half the items are
      // wanted, so this ends).
      if (have.has(item)) item = pick(everything);
      if (have.has(item)) item = rng.int(items);
      if (have.has(item)) continue;
      have.add(item);
      triples.push({ u, i: item, w: 1 });
    }
  }
  return {
    source: `synthetic (${users} users × ${items} items, seed ${shape.seed})`,
    real: false,
    nUsers: users,
    nItems: items,
    triples,
  };
}
