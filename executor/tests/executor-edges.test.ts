import { getEventListeners } from 'node:events';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LongTimer } from '../src/long-timer.js';
import {
  AbortError,
  Executor,
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
  vi.useRealTimers();
  for (const e of pools.splice(0)) {
    e.shutdownNow();
    await e.awaitTermination(5000);
  }
});
/** Runs `name` often enough that the executor has measured it as tiny (so it travels in batches). */
const warm = async (e: Executor, name: string, args: unknown) => {
  for (let i = 0; i < 64; i++) await e.submit(name, args);
};

describe('timeoutMs', () => {
  it('refuses zero, negative, NaN and non-numbers with an error naming the option', async () => {
    const e = await pool();
    for (const bad of [0, -5, NaN, -Infinity]) {
      const err = await e.submit('add', { x: 1, y: 1 }, { timeoutMs: bad }).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(/^timeoutMs of task add must be a positive number/);
    }
    const err = await e
      .submit('add', { x: 1, y: 1 }, { timeoutMs: '100' as unknown as number })
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('timeoutMs of task add must be a number of milliseconds, got string');
    expect(e.stats()).toMatchObject({ rejected: 0, completed: 0, queued: { HIGH: 0, NORMAL: 0, LOW: 0 } });
  });

  it('Infinity, 2^31 ms and 30 days let a task finish (they used to kill it after ~1 ms)', async () => {
    const e = await pool();
    for (const timeoutMs of [Infinity, 2 ** 31, 30 * 24 * 3600_000]) {
      expect(await e.submit('sleep', { ms: 30, value: timeoutMs }, { timeoutMs })).toBe(timeoutMs);
    }
    expect(e.stats()).toMatchObject({ timedOut: 0, workersReplaced: 0, completed: 3 });
  });

  it('a timer longer than Node can hold fires at its time, not before', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const day = 24 * 3600_000;
    let fired = 0;
    const timer = new LongTimer(30 * day, () => fired++);
    vi.advanceTimersByTime(29 * day);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(day + 1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(60 * day);
    expect(fired).toBe(1);
    timer.cancel();
    const cancelled = new LongTimer(30 * day, () => fired++);
    vi.advanceTimersByTime(25 * day);
    cancelled.cancel();
    vi.advanceTimersByTime(10 * day);
    expect(fired).toBe(1);
  });
});

describe('batches', () => {
  it('a HIGH task waits behind at most one task of a name that was fast and turned slow (counted, not timed)', async () => {
    const e = await pool();
    await warm(e, 'counted', { counter: new SharedArrayBuffer(4), ms: 0 });
    const counter = new SharedArrayBuffer(4);
    // The worker is busy while 32 slow calls queue up (submit is synchronous: all are queued before its answer can
    // arrive); when it frees they leave together, and only then — in the blocker's continuation — a HIGH task comes.
    const blocker = e.submit('sleep', { ms: 20 });
    const slow = Array.from({ length: 32 }, () => e.submit<number>('counted', { counter, ms: 25 }));
    const high = blocker.then(() => e.submit<number>('counted', { counter, ms: 0 }, { priority: 'HIGH' }));
    const ranBeforeHigh = await high;
    expect(ranBeforeHigh).toBeLessThanOrEqual(1); // was 32: the whole batch ran first
    expect((await Promise.all(slow)).sort((a, b) => a - b)).toEqual(
      [...Array(33).keys()].filter((n) => n !== ranBeforeHigh),
    );
  });

  it('an argument that cannot be cloned fails only its own task, not its 31 batch-mates', async () => {
    const e = await pool();
    await warm(e, 'add', { x: 0, y: 0 });
    const blocker = e.submit('sleep', { ms: 20 });
    const batch = Array.from({ length: 32 }, (_, i) =>
      e.submit('add', i === 5 ? { x: () => 5, y: 0 } : { x: i, y: 0 }).then(
        (v) => v,
        (err: unknown) => err,
      ),
    );
    await blocker;
    const out = await Promise.all(batch);
    expect(out[5]).toBeInstanceOf(TypeError);
    expect((out[5] as Error).message).toMatch(/^task add: its arguments cannot be sent to a worker/);
    expect(out.filter((_, i) => i !== 5)).toEqual([...Array(32).keys()].filter((i) => i !== 5));
    expect(e.stats()).toMatchObject({ failed: 1, completed: 64 + 1 + 31, workersReplaced: 0 });
  });
});

describe('CALLER_RUNS', () => {
  it('runs overflow on its own worker with the same timeout, errors and counts; process.exit there ends only that worker', async () => {
    const e = await pool({ queueLimit: 1, rejectionPolicy: 'CALLER_RUNS' });
    const gate = new AbortController();
    const blocker = e.submit('sleep', { ms: 60_000 }, { signal: gate.signal }).catch((x: unknown) => x);
    const queued = e.submit<number>('whoami'); // the queue is full from here on
    const there = await e.submit<number>('whoami');
    expect(there).not.toBe(threadId);
    expect(await e.submit('fail', { message: 'bad shelf' }).catch((x: unknown) => x)).toMatchObject({
      name: 'TaskError',
      taskErrorName: 'RangeError',
      message: 'bad shelf',
    });
    const runaway = e.submit('spin', { ms: 60_000 }, { timeoutMs: 100 });
    await expect(e.submit('add', { x: 1, y: 1 })).rejects.toThrow(
      /queue is full \(1 tasks\) and the caller-runs worker is busy/,
    );
    await expect(runaway).rejects.toBeInstanceOf(TimeoutError);
    await e.ready(); // its replacement is warm
    await expect(e.submit('crash')).rejects.toBeInstanceOf(WorkerCrashedError);
    await e.ready();
    expect(await e.submit('add', { x: 2, y: 3 })).toBe(5);
    expect(e.stats()).toMatchObject({ completed: 2, failed: 1, timedOut: 1, crashed: 1, rejected: 1, workers: 1 });
    gate.abort();
    expect(await blocker).toBeInstanceOf(AbortError);
    expect(await queued).not.toBe(threadId);
  });
});

describe('what a task leaves behind', () => {
  it('a throw from a timer after the task returned fails no other task and the worker lives on', async () => {
    const strays: TaskError[] = [];
    const e = await pool({ onStrayError: (err) => strays.push(err) });
    const before = await e.submit<number>('whoami');
    expect(await e.submit('lateThrow', { ms: 20 })).toBe('returned');
    expect(await e.submit('sleep', { ms: 200, value: 'next' })).toBe('next'); // was WorkerCrashedError
    expect(strays.map((s) => s.message)).toEqual(['thrown after its task returned']);
    expect(await e.submit<number>('whoami')).toBe(before);
    expect(e.stats()).toMatchObject({ strayErrors: 1, crashed: 0, workersReplaced: 0 });
  });

  it('an unhandled rejection is reported, not a crash of the next task', async () => {
    let reported!: (err: TaskError) => void;
    const stray = new Promise<TaskError>((r) => (reported = r));
    const e = await pool({ onStrayError: (err) => reported(err) });
    expect(await e.submit('lateReject')).toBe('returned');
    expect(await e.submit('sleep', { ms: 50, value: 'next' })).toBe('next');
    expect((await stray).message).toBe('rejected and never handled');
    expect(e.stats()).toMatchObject({ crashed: 0, workersReplaced: 0 });
  });

  it('a thrown object whose message getter throws, or a result that cannot be cloned, fails its task alone', async () => {
    const e = await pool();
    const before = await e.submit<number>('whoami');
    const err = await e.submit('throwUnreadable').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as Error).message).toBe('a thrown value whose message could not be read');
    const bad = await e.submit('returnFunction').catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(TaskError);
    expect((bad as Error).message).toMatch(/^the result of task returnFunction cannot be sent back from the worker/);
    expect(await e.submit<number>('whoami')).toBe(before);
    expect(e.stats()).toMatchObject({ failed: 2, crashed: 0, workersReplaced: 0 });
  });
});

describe('abort and shutdownNow', () => {
  // How much work removing aborted tasks from the queue takes is task-queue.test.ts's claim; this one is the listener.
  it('one signal aborts 100 queued tasks through one listener, not one per task', async () => {
    const N = 100;
    const e = await pool({ queueLimit: N + 10 });
    const gate = new AbortController();
    const blocker = e.submit('sleep', { ms: 60_000 }, { signal: gate.signal }).catch(() => undefined);
    const ac = new AbortController();
    const tasks = Array.from({ length: N }, (_, i) =>
      e.submit('add', { x: i, y: 0 }, { signal: ac.signal }).catch((x: unknown) => x),
    );
    // One listener for the signal, not one per task (tens of thousands of listeners, each removing its task, blocked the
    // loop for many seconds).
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    ac.abort();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    const out = await Promise.all(tasks);
    expect(out.every((x) => x instanceof AbortError)).toBe(true);
    expect(e.stats()).toMatchObject({ aborted: N, queued: { HIGH: 0, NORMAL: 0, LOW: 0 } });
    gate.abort();
    await blocker;
    expect(await e.submit('add', { x: 1, y: 2 })).toBe(3);
  });

  it('shutdownNow() counts what it dropped and what it stopped', async () => {
    const e = await pool();
    const running = e.submit('spin', { ms: 60_000 }).catch((x: unknown) => x);
    const queued = [e.submit('add', { x: 1, y: 1 }), e.submit('add', { x: 2, y: 2 })].map((p) =>
      p.catch((x: unknown) => x),
    );
    expect(e.shutdownNow()).toBe(2);
    expect(await running).toBeInstanceOf(AbortError);
    await Promise.all(queued);
    expect(e.stats()).toMatchObject({ state: 'TERMINATED', dropped: 2, aborted: 1 });
  });
});
