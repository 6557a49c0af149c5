import { describe, expect, it } from 'vitest';
import { WindowCounts } from '../src/kernel/edge/limits/window-counts.js';

/** The counting of the request limits, on a clock the test moves (no database: the shell's part is tested apart). */
describe('request limits: counting per caller per second (issue #27)', () => {
  const T0 = 1_700_000_000_000; // the start of a second

  it('admits up to the limit in a second, refuses the next saying when to retry, and starts again next second', () => {
    const c = new WindowCounts();
    for (let i = 0; i < 10; i++) expect(c.admit('user:u1', 10, T0 + i * 50).admitted).toBe(true);
    expect(c.admit('user:u1', 10, T0 + 600)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    expect(c.admit('user:u2', 10, T0 + 600).admitted).toBe(true); // another caller is not counted with u1
    expect(c.admit('user:u1', 10, T0 + 1000).admitted).toBe(true);
  });

  it('counts the other replicas as last heard, and only for the window they were counted in', () => {
    const c = new WindowCounts();
    c.admit('user:u1', 10, T0);
    c.heard([{ key: 'user:u1', windowStart: T0, count: 8 }]);
    expect(c.admit('user:u1', 10, T0 + 100).admitted).toBe(true); // 1 + 8 < 10
    expect(c.admit('user:u1', 10, T0 + 200).admitted).toBe(false); // 2 + 8
    // a count of an older window read late does not replace the newer one
    c.heard([{ key: 'user:u1', windowStart: T0 - 1000, count: 0 }]);
    expect(c.admit('user:u1', 10, T0 + 300).admitted).toBe(false);
    expect(c.admit('user:u1', 10, T0 + 1000).admitted).toBe(true); // next second: theirs was of the last one
  });

  it('hands out totals of changed counts once, again after a failed write, and forgets ended windows', () => {
    const c = new WindowCounts();
    c.admit('user:u1', 10, T0);
    c.admit('user:u1', 10, T0 + 10);
    c.admit('store:s1', 10, T0 + 20);
    const first = c.pending(T0 + 150);
    expect(first).toEqual([
      { key: 'user:u1', windowStart: T0, count: 2 },
      { key: 'store:s1', windowStart: T0, count: 1 },
    ]);
    expect(c.pending(T0 + 300)).toEqual([]); // nothing changed since
    c.unwritten(first);
    expect(c.pending(T0 + 450)).toHaveLength(2); // the failed write is sent again, as totals (no double count)
    c.admit('user:u1', 10, T0 + 500);
    expect(c.pending(T0 + 600)).toEqual([{ key: 'user:u1', windowStart: T0, count: 3 }]);
    expect(c.keys(T0 + 1500).sort()).toEqual(['store:s1', 'user:u1']); // the window before is still asked about
    c.sweep(T0 + 2100);
    expect(c.size).toBe(0);
    expect(c.keys(T0 + 2100)).toEqual([]);
  });

  it('keeps the overshoot of two replicas within what the other admits before it is heard (seeded traffic)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const limit = 100;
    const replicas = [new WindowCounts(), new WindowCounts()];
    let admitted = 0;
    // 1,000 requests spread over one second, each to a random replica; every 150 ms each replica flushes
    const shared = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const now = T0 + i;
      if (i % 150 === 0)
        replicas.forEach((r, n) => {
          for (const w of r.pending(now)) shared.set(n, w.count);
          const other = shared.get(1 - n) ?? 0;
          r.heard([{ key: 'user:u1', windowStart: T0, count: other }]);
        });
      const r = replicas[random() < 0.5 ? 0 : 1]!;
      if (r.admit('user:u1', limit, now).admitted) admitted++;
    }
    expect(admitted).toBeGreaterThanOrEqual(limit);
    // bound: the limit plus what 1 other replica admits in one flush period at this rate (≈ 1 req/ms × 150 ms / 2)
    expect(admitted).toBeLessThanOrEqual(limit + 150);
    expect(admitted).toBeLessThan(2 * limit); // without sharing, each replica would let 100 through
  });
});
