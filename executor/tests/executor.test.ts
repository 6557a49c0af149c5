import { threadId } from 'node:worker_threads';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  DroppedError,
  Executor,
  RejectedError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
  type ExecutorOptions,
} from '../src/index.js';

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

describe('the executor', () => {
  it('runs named tasks in workers; a task that throws fails alone and its worker lives on', async () => {
    const e = await pool({ size: 2 });
    expect(await e.submit('add', { x: 2, y: 3 })).toBe(5);
    const first = await e.submit<number>('whoami');
    expect(first).not.toBe(threadId);
    const err = await e.submit('fail', { message: 'bad shelf' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toMatchObject({ message: 'bad shelf', taskErrorName: 'RangeError' });
    await expect(e.submit('nope')).rejects.toThrow(/no task named nope/);
    expect(e.stats()).toMatchObject({ completed: 2, failed: 2, workersReplaced: 0, workers: 2 });
  });

  it('takes HIGH before NORMAL before LOW, first come first served within each', async () => {
    const e = await pool();
    const order: string[] = [];
    const blocker = e.submit('sleep', { ms: 100 });
    const tasks = ['L1', 'N1', 'H1', 'L2', 'H2', 'N2', 'H3', 'L3'].map((label) =>
      e
        .submit(
          'sleep',
          { ms: 1, value: label },
          { priority: label[0] === 'H' ? 'HIGH' : label[0] === 'N' ? 'NORMAL' : 'LOW' },
        )
        .then((v) => order.push(v as string)),
    );
    await Promise.all([blocker, ...tasks]);
    expect(order).toEqual(['H1', 'H2', 'H3', 'N1', 'N2', 'L1', 'L2', 'L3']);
  });

  it('refuses work beyond its queue bound, or runs it on the caller, or drops the oldest LOW, as configured', async () => {
    const rejecting = await pool({ queueLimit: 3 });
    const held = [
      rejecting.submit('sleep', { ms: 150 }),
      ...[1, 2, 3].map(() => rejecting.submit('add', { x: 1, y: 1 })),
    ];
    await expect(rejecting.submit('add', { x: 1, y: 1 })).rejects.toBeInstanceOf(RejectedError);
    expect(rejecting.stats()).toMatchObject({ rejected: 1, queued: { NORMAL: 3 } });
    await Promise.all(held);

    const callerRuns = await pool({ queueLimit: 1, rejectionPolicy: 'CALLER_RUNS' });
    const busy = [callerRuns.submit('sleep', { ms: 150 }), callerRuns.submit('whoami')];
    expect(await callerRuns.submit('whoami')).not.toBe(threadId); // ran at once on the caller-runs worker, never on this thread
    await Promise.all(busy);

    const dropping = await pool({ queueLimit: 2, rejectionPolicy: 'DROP_OLDEST_LOW' });
    const block = dropping.submit('sleep', { ms: 150 });
    const oldLow = dropping.submit('add', { x: 0, y: 1 }, { priority: 'LOW' });
    const normal = dropping.submit('add', { x: 0, y: 2 });
    const newer = dropping.submit('add', { x: 0, y: 3 }, { priority: 'HIGH' });
    await expect(oldLow).rejects.toBeInstanceOf(DroppedError);
    expect(await Promise.all([block, normal, newer])).toEqual([150, 2, 3]);
  });

  it('fails a task past its timeout, replaces its worker, and the queue goes on', async () => {
    const e = await pool();
    const before = await e.submit<number>('whoami');
    const runaway = e.submit('spin', { ms: 60_000 }, { timeoutMs: 100 });
    const next = e.submit<number>('whoami');
    await expect(runaway).rejects.toBeInstanceOf(TimeoutError);
    // The next task ran on another worker: the runaway's thread (busy for a minute) was terminated and replaced.
    // How soon a replacement takes work is a latency, not an outcome; no benchmark measures it yet.
    expect(await next).not.toBe(before);
    expect(e.stats()).toMatchObject({ timedOut: 1, workersReplaced: 1, workers: 1 });
  });

  it('replaces a worker that dies (exit, out of memory): its task fails clearly, capacity comes back', async () => {
    const e = await pool({ size: 2, resourceLimits: { maxOldGenerationSizeMb: 32 } });
    await expect(e.submit('crash')).rejects.toThrow(WorkerCrashedError);
    const oom = await e.submit('hog').catch((x: unknown) => x);
    expect(oom).toBeInstanceOf(WorkerCrashedError);
    expect((oom as Error).message).toMatch(/memory/i);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => e.submit('add', { x: i, y: 1 })));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(e.stats()).toMatchObject({ crashed: 2, workers: 2 });
  });

  it('cancels a queued task on abort, and stops a running one by replacing its worker', async () => {
    const e = await pool();
    const running = new AbortController();
    const queued = new AbortController();
    const a = e.submit('spin', { ms: 60_000 }, { signal: running.signal });
    const b = e.submit('add', { x: 1, y: 1 }, { signal: queued.signal });
    queued.abort();
    await expect(b).rejects.toBeInstanceOf(AbortError);
    running.abort();
    await expect(a).rejects.toBeInstanceOf(AbortError);
    expect(await e.submit('add', { x: 2, y: 2 })).toBe(4);
    await expect(e.submit('add', { x: 1, y: 1 }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(e.stats()).toMatchObject({ aborted: 2, workersReplaced: 1, completed: 1 });
  });

  it('shutdown() finishes queued and running work, then terminates; new work is refused', async () => {
    const e = await pool();
    const work = [
      e.submit('sleep', { ms: 50, value: 'a' }),
      e.submit('sleep', { ms: 10, value: 'b' }),
      e.submit('add', { x: 1, y: 2 }),
    ];
    e.shutdown();
    expect(e.state).toBe('SHUTDOWN');
    await expect(e.submit('add', { x: 1, y: 1 })).rejects.toBeInstanceOf(RejectedError);
    expect(await Promise.all(work)).toEqual(['a', 'b', 3]);
    expect(await e.awaitTermination(2000)).toBe(true);
    expect(e.state).toBe('TERMINATED');
  });

  it('shutdownNow() drops queued work and stops running work', async () => {
    const e = await pool();
    const running = e.submit('spin', { ms: 60_000 });
    const queued = [e.submit('add', { x: 1, y: 1 }), e.submit('add', { x: 2, y: 2 })];
    await new Promise((r) => setTimeout(r, 50));
    expect(e.shutdownNow()).toBe(2);
    await Promise.all([
      expect(running).rejects.toBeInstanceOf(AbortError),
      ...queued.map((q) => expect(q).rejects.toBeInstanceOf(DroppedError)),
    ]);
    expect(await e.awaitTermination(1000)).toBe(true);
    expect(e.state).toBe('TERMINATED');
  });

  it('with aging, a LOW task that waited past agingMs runs before HIGH work queued after it (and last without)', async () => {
    // One worker busy for 300 ms; behind it a LOW task, then a stream of HIGH tasks. The LOW task has waited at least
    // 300 ms when the worker frees up (a sleep is a floor, so a loaded machine only makes it longer), past agingMs.
    const order = async (e: Executor) => {
      const done: string[] = [];
      const blocker = e.submit('sleep', { ms: 300, value: 'blocker' }, { priority: 'HIGH' });
      const low = e.submit('add', { x: 0, y: 0 }, { priority: 'LOW' }).then(() => done.push('LOW'));
      const high = Array.from({ length: 12 }, (_, i) =>
        e.submit('add', { x: i, y: 0 }, { priority: 'HIGH' }).then(() => done.push(`H${i}`)),
      );
      expect(await blocker).toBe('blocker');
      await Promise.all([low, ...high]);
      return done;
    };
    const highs = Array.from({ length: 12 }, (_, i) => `H${i}`);
    expect(await order(await pool())).toEqual([...highs, 'LOW']); // strict priority: LOW waits for every HIGH
    expect(await order(await pool({ agingMs: 100 }))).toEqual(['LOW', ...highs]);
  });

  it('settles every accepted task exactly once, whatever many callers submit at once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom('add', 'fail', 'sleep', 'abort', 'timeout'),
            caller: fc.integer({ min: 0, max: 7 }),
            priority: fc.constantFrom('HIGH', 'NORMAL', 'LOW') as fc.Arbitrary<'HIGH' | 'NORMAL' | 'LOW'>,
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.constantFrom('REJECT', 'CALLER_RUNS', 'DROP_OLDEST_LOW') as fc.Arbitrary<
          'REJECT' | 'CALLER_RUNS' | 'DROP_OLDEST_LOW'
        >,
        async (plan, policy) => {
          const e = await pool({ size: 2, queueLimit: 6, rejectionPolicy: policy });
          const settled = new Map<number, number>();
          const callers = Array.from({ length: 8 }, (_, c) =>
            (async () => {
              for (const [i, step] of plan.entries()) {
                if (step.caller !== c) continue;
                await new Promise((r) => setImmediate(r));
                const ac = new AbortController();
                const p =
                  step.kind === 'add'
                    ? e.submit('add', { x: i, y: 0 }, { priority: step.priority })
                    : step.kind === 'fail'
                      ? e.submit('fail', { message: String(i) }, { priority: step.priority })
                      : step.kind === 'sleep'
                        ? e.submit('sleep', { ms: 2, value: i }, { priority: step.priority })
                        : step.kind === 'abort'
                          ? e.submit('sleep', { ms: 50 }, { priority: step.priority, signal: ac.signal })
                          : e.submit('spin', { ms: 5000 }, { priority: step.priority, timeoutMs: 30 });
                if (step.kind === 'abort') setTimeout(() => ac.abort(), 5);
                void p.then(
                  () => settled.set(i, (settled.get(i) ?? 0) + 1),
                  () => settled.set(i, (settled.get(i) ?? 0) + 1),
                );
                await p.catch(() => undefined);
              }
            })(),
          );
          await Promise.all(callers);
          await new Promise((r) => setTimeout(r, 10));
          expect(settled.size).toBe(plan.length);
          expect([...settled.values()].every((n) => n === 1)).toBe(true);
          const s = e.stats();
          expect(s.active + s.queued.HIGH + s.queued.NORMAL + s.queued.LOW).toBe(0);
        },
      ),
      { numRuns: 12 },
    );
  });
});
