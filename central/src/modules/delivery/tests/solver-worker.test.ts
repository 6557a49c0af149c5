import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSolomon } from '../solver/solomon.js';
import { solveInWorker } from '../solver/worker.js';
import { feasibilityProblems } from './solver-feasibility.js';

/** The solver on its own worker thread, as the hub runs it: an answer, an abort that ends the thread, an error. */
const C101 = parseSolomon(
  readFileSync(new URL('../../../../../../shared/data/solomon/C101.txt', import.meta.url), 'utf8'),
);

/** Worker threads alive in this process (a terminated one is gone from the list once it has exited). */
const workers = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('solveInWorker', () => {
  it('answers with a plan the checker accepts', async () => {
    const s = await solveInWorker(C101, 300, undefined, { seed: 5 });
    expect(feasibilityProblems(C101, s)).toEqual([]);
    expect(s.unserved).toEqual([]);
    expect(s.vehiclesUsed).toBe(10);
  });

  it('an abort rejects at once and ends the thread, long before its budget', async () => {
    await until(() => workers() === 0, "the earlier tests' workers to end");
    const ac = new AbortController();
    const solving = solveInWorker(C101, 120_000, ac.signal);
    await until(() => workers() === 1, 'the worker to start');
    ac.abort();
    await expect(solving).rejects.toMatchObject({ name: 'AbortError' });
    await until(() => workers() === 0, 'the worker to end');
  });

  it('an already aborted signal starts nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(solveInWorker(C101, 1000, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it("a malformed problem rejects with the solver's own message", async () => {
    const bad = { ...C101, customers: [{ ...C101.customers[0]!, location: 999 }] };
    await expect(solveInWorker(bad, 100)).rejects.toMatchObject({
      name: 'VrptwInputError',
      message: 'customer 0 names location 999, outside 0..100',
    });
  });
});
