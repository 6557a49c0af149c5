import { afterEach, describe, expect, it } from 'vitest';
import { Executor, type ExecutorOptions } from '../src/index.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);
const pools: Executor[] = [];
const pool = async (o: Partial<ExecutorOptions> = {}) => {
  const e = new Executor({ taskModules: [TASKS], size: 1, ...o });
  pools.push(e);
  await e.ready();
  return e;
};
afterEach(async () => {
  for (const e of pools.splice(0)) {
    e.shutdownNow();
    await e.awaitTermination(5000);
  }
});

/**
 * How many of 32 queued tiny tasks ran before a HIGH task submitted once the worker frees (counted, not timed): the
 * worker is busy while the 32 queue up (submit is synchronous, so all are queued before its answer can arrive); when
 * it frees, the first message leaves at once and the HIGH task comes in the blocker's continuation, just after it.
 */
async function ranBeforeHigh(e: Executor): Promise<number> {
  for (let i = 0; i < 64; i++) await e.submit('counted', { counter: new SharedArrayBuffer(4), ms: 0 }); // measured tiny
  const counter = new SharedArrayBuffer(4);
  const blocker = e.submit('sleep', { ms: 20 });
  const tiny = Array.from({ length: 32 }, () => e.submit<number>('counted', { counter, ms: 0 }));
  const high = await blocker.then(() => e.submit<number>('counted', { counter, ms: 0 }, { priority: 'HIGH' }));
  expect((await Promise.all(tiny)).sort((a, b) => a - b)).toEqual([...Array(33).keys()].filter((n) => n !== high));
  return high;
}

// Without the option the same 32 leave together (up to 32 in a message; how many depends on the measured cost of
// `counted`, so that case is not asserted here: executor-edges.test.ts covers batches).
describe('batchMax', () => {
  it('batchMax 1 sends each task alone: the HIGH task runs after the one already sent', async () => {
    expect(await ranBeforeHigh(await pool({ batchMax: 1 }))).toBe(1);
  });

  it('refuses a batchMax that is not a positive integer, naming the option', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => new Executor({ taskModules: [TASKS], size: 1, spares: 0, batchMax: bad })).toThrow(
        /batchMax must be a positive integer/,
      );
  });
});
