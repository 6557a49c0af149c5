/**
 * The evaluation protocol: per user, a random `testFraction` of the distinct items they interacted with is
 * held out (every interaction with a held-out item goes to the test side, so the model never sees it), the rest is
 * for training. A user always keeps at least one training item; a user with one item keeps it and is not tested.
 * Deterministic for a seed: users are taken in ascending order, their items shuffled by one seeded stream.
 */
import type { Triple } from './matrix.js';
import { seededRng, shuffleInPlace } from './rng.js';

export interface Split {
  readonly train: Triple[];
  /** Held-out items per user (only users with at least one). */
  readonly test: Map<number, Set<number>>;
}

export function splitPerUser(triples: Iterable<Triple>, testFraction: number, seed: number): Split {
  if (!(testFraction >= 0 && testFraction < 1)) throw new RangeError(`testFraction ${testFraction} is not in [0, 1)`);
  const itemsOf = new Map<number, Set<number>>();
  const all = Array.isArray(triples) ? (triples as readonly Triple[]) : [...triples];
  for (const t of all) {
    let s = itemsOf.get(t.u);
    if (!s) {
      s = new Set();
      itemsOf.set(t.u, s);
    }
    s.add(t.i);
  }
  const rng = seededRng(seed);
  const test = new Map<number, Set<number>>();
  for (const u of [...itemsOf.keys()].sort((a, b) => a - b)) {
    // Items ascending before the shuffle, so the input's order does not change the split.
    const items = [...itemsOf.get(u)!].sort((a, b) => a - b);
    const held = Math.min(items.length - 1, Math.round(items.length * testFraction));
    if (held <= 0) continue;
    shuffleInPlace(items, rng);
    test.set(u, new Set(items.slice(0, held)));
  }
  const train = all.filter((t) => !test.get(t.u)?.has(t.i));
  return { train, test };
}
