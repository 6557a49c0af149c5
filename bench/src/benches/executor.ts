import { availableParallelism } from 'node:os';
import { Executor } from '@storefleet/executor';
import { Piscina } from 'piscina';
import { against, round, type Benchmark, type Figure } from '../figure.js';

const TASKS = new URL('../support/executor-tasks.mjs', import.meta.url);
const WORKERS = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const IN_FLIGHT = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_SAMPLES = 20_000;

type Run = (args: { x: number; y: number }) => Promise<unknown>;

/** Tasks done with IN_FLIGHT outstanding for `seconds` (bounded in time and count). */
async function throughput(run: Run, seconds: number): Promise<{ n: number; seconds: number }> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const lane = async () => {
    while (performance.now() < end && n < 5_000_000) {
      await run({ x: n, y: 1 });
      n++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { n, seconds: (performance.now() - t0) / 1000 };
}

/** Round trip of one task at a time: p50 and p99 in µs. */
async function latency(run: Run): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < 2000; i++) await run({ x: i, y: 1 }); // warm-up
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = performance.now();
    await run({ x: i, y: 1 });
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

/**
 * The pools compared on the same tiny task, WORKERS workers each. Ours sends tiny tasks in batches (up to 32 per
 * message) by default; `batchMax: 1` sends each alone. Piscina (5.x) has no batching: its closest knob,
 * `concurrentTasksPerWorker`, lets a worker hold several tasks, each still its own message (pipelining, not batching).
 */
const PIPELINED = 32;
const POOLS = ['ours-batched', 'ours-unbatched', 'piscina', `piscina-${PIPELINED}-tasks-per-worker`] as const;
type PoolName = (typeof POOLS)[number];

export const executorBench: Benchmark = {
  name: 'executor',
  description: `tiny tasks through the store's executor (batched and unbatched) and piscina (default and ${PIPELINED} tasks per worker), ${WORKERS} workers each, ${IN_FLIGHT} in flight`,
  async run() {
    const piscina = new Piscina({ filename: TASKS.href, minThreads: WORKERS, maxThreads: WORKERS });
    const piscinaPipelined = new Piscina({
      filename: TASKS.href,
      minThreads: WORKERS,
      maxThreads: WORKERS,
      concurrentTasksPerWorker: PIPELINED,
    });
    const batched = new Executor({ taskModules: [TASKS], size: WORKERS, spares: 0 });
    const unbatched = new Executor({ taskModules: [TASKS], size: WORKERS, spares: 0, batchMax: 1 });
    await Promise.all([batched.ready(), unbatched.ready()]);
    try {
      const runs: Record<PoolName, Run> = {
        'ours-batched': (a) => batched.submit('add', a),
        'ours-unbatched': (a) => unbatched.submit('add', a),
        piscina: (a) => piscina.run(a, { name: 'add' }),
        [`piscina-${PIPELINED}-tasks-per-worker`]: (a) => piscinaPipelined.run(a, { name: 'add' }),
      } as Record<PoolName, Run>;
      for (const name of POOLS) await throughput(runs[name], SECONDS / 4); // warm every pool before measuring
      // Two rounds in opposite orders, so drift in the machine's load (other work shares the 2 cores) hits all alike.
      const done = Object.fromEntries(POOLS.map((p) => [p, { tasks: 0, seconds: 0 }])) as Record<
        PoolName,
        { tasks: number; seconds: number }
      >;
      for (const order of [POOLS, [...POOLS].reverse()]) {
        for (const name of order) {
          const r = await throughput(runs[name], SECONDS / 2);
          done[name].tasks += r.n;
          done[name].seconds += r.seconds;
        }
      }
      const perS = (p: PoolName) => done[p].tasks / done[p].seconds;
      const pl = await latency(runs.piscina);
      const ol = await latency(runs['ours-batched']);
      console.error(
        `  ${POOLS.map((p) => `${p} ${Math.round(perS(p))}/s`).join(' · ')}; one at a time: ours p50 ${ol.p50.toFixed(0)} µs p99 ${ol.p99.toFixed(0)} µs · piscina p50 ${pl.p50.toFixed(0)} µs p99 ${pl.p99.toFixed(0)} µs`,
      );
      const tasks = (metric: string, ours: PoolName, anchor: PoolName): Figure =>
        against(
          { bench: 'executor', metric, value: perS(ours), unit: '1/s', n: done[ours].tasks },
          anchor,
          perS(anchor),
        );
      const ratio = (ours: PoolName, anchor: PoolName): Figure => ({
        bench: 'executor',
        metric: `throughput_ratio_${ours.replace('ours-', '')}_vs_${anchor.replaceAll('-', '_')}`,
        value: round(perS(ours) / perS(anchor), 2),
        unit: 'x',
        n: done[ours].tasks,
      });
      const figures: Figure[] = [
        tasks('tasks_per_s_batched', 'ours-batched', 'piscina'),
        tasks('tasks_per_s_unbatched', 'ours-unbatched', 'piscina'),
        {
          bench: 'executor',
          metric: `piscina_${PIPELINED}_tasks_per_worker_tasks_per_s`,
          value: Math.round(perS(`piscina-${PIPELINED}-tasks-per-worker`)),
          unit: '1/s',
          n: done[`piscina-${PIPELINED}-tasks-per-worker`].tasks,
        },
        ratio('ours-batched', 'piscina'),
        ratio('ours-unbatched', 'piscina'),
        ratio('ours-batched', `piscina-${PIPELINED}-tasks-per-worker`),
        ratio('ours-unbatched', `piscina-${PIPELINED}-tasks-per-worker`),
        {
          bench: 'executor',
          metric: 'round_trip_p50_us',
          value: round(ol.p50, 0),
          unit: 'µs',
          n: LATENCY_SAMPLES,
          anchor: 'piscina',
          anchor_value: round(pl.p50, 0),
          ratio: round(pl.p50 / ol.p50, 2),
        },
        {
          bench: 'executor',
          metric: 'round_trip_p99_us',
          value: round(ol.p99, 0),
          unit: 'µs',
          n: LATENCY_SAMPLES,
          anchor: 'piscina',
          anchor_value: round(pl.p99, 0),
          ratio: round(pl.p99 / ol.p99, 2),
        },
      ];
      return figures;
    } finally {
      for (const e of [batched, unbatched]) {
        e.shutdownNow();
        await e.awaitTermination(5000);
      }
      await piscina.destroy();
      await piscinaPipelined.destroy();
    }
  },
};

export const executorPriorityBench: Benchmark = {
  name: 'executor-priority',
  description: 'a HIGH task behind 10,000 queued LOW tasks, and a runaway task killed at its timeout',
  async run() {
    const RUN_MS = 1;
    const e = new Executor({ taskModules: [TASKS], size: WORKERS, queueLimit: 20_000 });
    await e.ready();
    try {
      const lows = Array.from({ length: 10_000 }, () =>
        e.submit('spin', { ms: RUN_MS }, { priority: 'LOW' }).catch(() => undefined),
      );
      const waits: number[] = [];
      for (let i = 0; i < 21; i++) {
        await new Promise((r) => setTimeout(r, 7 + (i % 5))); // the workers are busy with LOW work, at varied phases
        const submittedAt = performance.timeOrigin + performance.now();
        const started = await e.submit<number>('startedAt', undefined, { priority: 'HIGH' });
        waits.push(started - submittedAt);
      }
      const left = e.stats().queued.LOW;
      if (left < 5000)
        throw new Error(`only ${left} LOW tasks were still queued: the measurement no longer sits behind 10,000`);
      waits.sort((a, b) => a - b);
      const highWaitMs = waits[10]!;
      e.shutdownNow();
      await Promise.all(lows);
      await e.awaitTermination(5000);

      // A runaway task on a one-worker pool: the next task can only run on its replacement.
      const one = new Executor({ taskModules: [TASKS], size: 1 });
      await one.ready();
      await new Promise((r) => setTimeout(r, 200)); // the warm spare is up
      const timeoutMs = 50;
      const t0 = performance.now();
      const runaway = one.submit('spin', { ms: 60_000 }, { timeoutMs }).catch((err: Error) => err.name);
      const next = one.submit('add', { x: 1, y: 1 });
      const name = await runaway;
      const killedAt = performance.now();
      await next;
      const replacedMs = performance.now() - (t0 + timeoutMs);
      one.shutdownNow();
      await one.awaitTermination(5000);
      if (name !== 'TimeoutError') throw new Error(`the runaway task ended with ${name}`);
      console.error(
        `  HIGH waited p50 ${highWaitMs.toFixed(2)} ms, max ${waits.at(-1)!.toFixed(2)} ms (21 tries) behind 10,000 LOW (${RUN_MS} ms each); runaway killed ${(killedAt - t0 - timeoutMs).toFixed(1)} ms after its timeout, next task done ${replacedMs.toFixed(1)} ms after it`,
      );
      return [
        {
          bench: 'executor-priority',
          metric: 'high_wait_p50_ms_behind_10000_low',
          value: round(highWaitMs, 2),
          unit: 'ms',
          n: waits.length,
          anchor: 'one_low_task_run_ms',
          anchor_value: RUN_MS,
          ratio: round(RUN_MS / highWaitMs, 2),
        },
        {
          bench: 'executor-priority',
          metric: 'high_wait_max_ms_behind_10000_low',
          value: round(waits.at(-1)!, 2),
          unit: 'ms',
          n: waits.length,
          anchor: 'one_low_task_run_ms',
          anchor_value: RUN_MS,
          ratio: round(RUN_MS / waits.at(-1)!, 2),
        },
        {
          bench: 'executor-priority',
          metric: 'timeout_to_next_task_done_ms',
          value: round(replacedMs, 1),
          unit: 'ms',
          n: 1,
        },
      ];
    } finally {
      e.shutdownNow();
    }
  },
};
