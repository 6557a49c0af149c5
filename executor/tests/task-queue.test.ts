import { describe, expect, it } from 'vitest';
import { TaskQueue, type Priority } from '../src/task-queue.js';

interface T {
  readonly id: number;
  readonly priority: Priority;
  readonly enqueuedAt: number;
}
const tasks = (n: number, priority: Priority = 'NORMAL'): T[] =>
  Array.from({ length: n }, (_, id) => ({ id, priority, enqueuedAt: 0 }));

/**
 * Counts the array elements that Array.prototype's searching, copying and shifting methods touch while `run` runs (a
 * splice moves everything after its index, an indexOf scans up to its hit): the work a queue hides behind one call.
 * The methods are put back afterwards, whatever `run` did.
 */
function elementsTouched(run: () => void): number {
  let touched = 0;
  const proto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = new Map<string, (...args: unknown[]) => unknown>();
  const from = (len: number, at: unknown) => {
    const i = Number(at ?? 0) || 0;
    return i < 0 ? Math.max(0, len + i) : Math.min(i, len);
  };
  const cost: Record<string, (a: unknown[], args: unknown[], out: unknown) => number> = {
    indexOf: (a, args, out) => ((out as number) < 0 ? a.length - from(a.length, args[1]) : (out as number) + 1),
    lastIndexOf: (a) => a.length,
    includes: (a, args) => a.length - from(a.length, args[1]),
    splice: (a, args) => a.length - from(a.length, args[0]),
    slice: (_a, _args, out) => (out as unknown[]).length,
    shift: (a) => a.length,
    unshift: (a) => a.length,
    copyWithin: (a) => a.length,
    filter: (a) => a.length,
    find: (a) => a.length,
    findIndex: (a) => a.length,
    findLast: (a) => a.length,
    findLastIndex: (a) => a.length,
    some: (a) => a.length,
    every: (a) => a.length,
    forEach: (a) => a.length,
    map: (a) => a.length,
    reduce: (a) => a.length,
  };
  try {
    for (const [name, measure] of Object.entries(cost)) {
      const original = proto[name]!;
      saved.set(name, original);
      proto[name] = function (this: unknown[], ...args: unknown[]) {
        const before = this.length;
        const out = original.apply(this, args);
        // splice and shift shrink the array: what they moved is measured against the length before the call.
        touched += measure(name === 'splice' || name === 'shift' ? ({ length: before } as unknown[]) : this, args, out);
        return out;
      };
    }
    run();
  } finally {
    for (const [name, original] of saved) proto[name] = original;
  }
  return touched;
}

describe('TaskQueue removal (an abort removes every task sharing the signal, one by one)', () => {
  // Linear means a few element touches per task; removing by indexOf + splice touched about N²/2 (50,000,000 here).
  const N = 10_000;
  const bound = 4 * N;

  it('removing every queued task in the order they were queued is linear in the number of tasks', () => {
    const q = new TaskQueue<T>(undefined);
    const queued = tasks(N);
    for (const t of queued) q.push(t);
    const removed: boolean[] = [];
    const touched = elementsTouched(() => {
      for (const t of queued) removed.push(q.remove(t));
    });
    expect(removed.every(Boolean), 'every queued task was removed').toBe(true);
    expect(q.size).toBe(0);
    expect(q.take(0)).toBeUndefined();
    expect(touched, `array elements touched to remove ${N} tasks`).toBeLessThanOrEqual(bound);
  });

  it('removing them newest first, and removing tasks already taken, is linear too', () => {
    const q = new TaskQueue<T>(undefined);
    const queued = tasks(N);
    for (const t of queued) q.push(t);
    const taken: T[] = [];
    const answers: boolean[] = [];
    const touched = elementsTouched(() => {
      for (let i = 0; i < N / 2; i++) taken.push(q.take(0)!);
      // The first half is running (not queued: false); the second half goes newest first.
      for (const t of [...queued].reverse()) answers.push(q.remove(t));
    });
    expect(taken.map((t) => t.id)).toEqual(queued.slice(0, N / 2).map((t) => t.id));
    expect(answers.filter(Boolean)).toHaveLength(N / 2);
    expect(answers.slice(0, N / 2).every(Boolean), 'the queued half was removed').toBe(true);
    expect(q.size).toBe(0);
    expect(touched, `array elements touched to take ${N / 2} and remove ${N} tasks`).toBeLessThanOrEqual(bound);
  });

  it('what is left after removals comes out in order, across priorities', () => {
    const q = new TaskQueue<T>(undefined);
    const low = tasks(3000, 'LOW');
    const high = tasks(3000, 'HIGH');
    for (let i = 0; i < 3000; i++) {
      q.push(low[i]!);
      q.push(high[i]!);
    }
    const out: T[] = [];
    const touched = elementsTouched(() => {
      for (const t of [...low, ...high]) if (t.id % 3 !== 0) q.remove(t);
      for (let t = q.take(0); t; t = q.take(0)) out.push(t);
    });
    const kept = (ts: T[]) => ts.filter((t) => t.id % 3 === 0);
    expect(out).toEqual([...kept(high), ...kept(low)]);
    expect(touched, 'array elements touched to remove 4,000 of 6,000 tasks and take the rest').toBeLessThanOrEqual(
      4 * 6000,
    );
  });
});
