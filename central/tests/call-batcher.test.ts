import { describe, expect, it } from 'vitest';
import { CallBatcher } from '../src/kernel/call-batcher.js';

describe('CallBatcher (group commit for one-statement writes)', () => {
  it('calls made while a batch runs share the next one, and each caller gets its own answer', async () => {
    const batches: number[][] = [];
    const b = new CallBatcher<number, number>(
      async (xs) => {
        batches.push([...xs]);
        await new Promise((r) => setTimeout(r, 5));
        return xs.map((x) => x * 10);
      },
      { concurrency: 1, maxBatch: 100 },
    );
    const answers = await Promise.all([1, 2, 3, 4, 5].map((x) => b.call(x)));
    expect(answers).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('a batch that fails is retried in halves, so only the bad call fails', async () => {
    const b = new CallBatcher<number, number>(
      async (xs) => {
        if (xs.includes(3)) throw new Error('3 is refused');
        return xs.map((x) => x + 1);
      },
      { concurrency: 1, maxBatch: 100 },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((x) => b.call(x)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      2,
      3,
      '3 is refused',
      5,
    ]);
  });

  it('one bad call among 256 fails alone: the other 255 are answered, at the cost of a few halved batches, not 256 retries', async () => {
    let runs = 0;
    const b = new CallBatcher<number, number>(
      async (xs) => {
        runs++;
        if (xs.includes(200)) throw new Error('200 is refused');
        return xs.map((x) => x * 2);
      },
      { concurrency: 1, maxBatch: 256 },
    );
    const inputs = Array.from({ length: 257 }, (_, i) => i);
    const results = await Promise.allSettled(inputs.map((x) => b.call(x)));
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message),
    ).toEqual(['200 is refused']);
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))).toEqual(
      inputs.filter((x) => x !== 200).map((x) => x * 2),
    );
    // The first call ran alone; the 256 that queued behind it: one batch, then two halves per level down to the bad call.
    expect(runs).toBeLessThanOrEqual(1 + 1 + 2 * 8);
  });

  it('an answer that is an Error refuses its call alone; the rest of its batch is answered', async () => {
    const b = new CallBatcher<number, number>(async (xs) => xs.map((x) => (x % 2 ? new Error(`${x} is odd`) : x)), {
      concurrency: 1,
      maxBatch: 100,
    });
    const results = await Promise.allSettled([2, 3, 4].map((x) => b.call(x)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      2,
      '3 is odd',
      4,
    ]);
  });

  it('clashing calls never share a batch', async () => {
    const batches: string[][] = [];
    const b = new CallBatcher<string, string>(
      async (xs) => {
        batches.push([...xs]);
        await new Promise((r) => setTimeout(r, 2));
        return [...xs];
      },
      { concurrency: 1, maxBatch: 100, clash: (x, y) => x[0] === y[0] },
    );
    await Promise.all(['a1', 'b1', 'a2', 'c1', 'a3'].map((x) => b.call(x)));
    for (const batch of batches) expect(new Set(batch.map((x) => x[0])).size).toBe(batch.length);
    expect(batches.flat().sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'c1']);
  });
});
