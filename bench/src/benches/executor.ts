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

const LOW_TASKS = 10_000;
const LOW_RUN_MS = 1;
const PROBES = 21;
const FIFO = 'same-pool-one-fifo-queue';
const NO_SPARE = 'same-pool-without-a-warm-spare';

/**
 * How long a probe task waits to start behind LOW_TASKS queued LOW tasks of LOW_RUN_MS each, submitted at `priority`
 * PROBES times at varied phases while the workers are busy: HIGH (the executor's priorities), or LOW (the same pool as
 * one plain FIFO queue: the probe waits for everything queued before it).
 */
async function probeWaits(priority: 'HIGH' | 'LOW'): Promise<{ waits: number[]; queuedBehind: number }> {
  const e = new Executor({ taskModules: [TASKS], size: WORKERS, queueLimit: 20_000 });
  await e.ready();
  try {
    const lows = Array.from({ length: LOW_TASKS }, () =>
      e.submit('spin', { ms: LOW_RUN_MS }, { priority: 'LOW' }).catch(() => undefined),
    );
    const probes: Promise<number>[] = [];
    for (let i = 0; i < PROBES; i++) {
      await new Promise((r) => setTimeout(r, 7 + (i % 5))); // the workers are busy with LOW work, at varied phases
      const submittedAt = performance.timeOrigin + performance.now();
      probes.push(e.submit<number>('startedAt', undefined, { priority }).then((started) => started - submittedAt));
    }
    // Tasks still queued when the last probe was submitted (for the FIFO probe, the probes themselves included).
    const queuedBehind = e.stats().queued.LOW;
    const waits = (await Promise.all(probes)).sort((a, b) => a - b);
    e.shutdownNow();
    await Promise.all(lows);
    return { waits, queuedBehind };
  } finally {
    e.shutdownNow();
    await e.awaitTermination(5000);
  }
}

/** A runaway task on a one-worker pool: when it is killed past its timeout, and when the next task is done. */
async function runaway(spares: number): Promise<{ killedMs: number; nextDoneMs: number }> {
  const one = new Executor({ taskModules: [TASKS], size: 1, spares });
  await one.ready();
  try {
    await new Promise((r) => setTimeout(r, 200)); // a warm spare, where there is one, is up
    const timeoutMs = 50;
    const t0 = performance.now();
    const stuck = one.submit('spin', { ms: 60_000 }, { timeoutMs }).catch((err: Error) => err.name);
    const next = one.submit('add', { x: 1, y: 1 }); // it can only run on the killed worker's replacement
    const name = await stuck;
    const killedAt = performance.now();
    await next;
    if (name !== 'TimeoutError') throw new Error(`the runaway task ended with ${name}`);
    return { killedMs: killedAt - t0 - timeoutMs, nextDoneMs: performance.now() - (t0 + timeoutMs) };
  } finally {
    one.shutdownNow();
    await one.awaitTermination(5000);
  }
}

export const executorPriorityBench: Benchmark = {
  name: 'executor-priority',
  description: `a HIGH task behind ${LOW_TASKS} queued LOW tasks against the same pool as one FIFO queue, and a runaway task killed at its timeout with and without a warm spare`,
  async run() {
    const high = await probeWaits('HIGH');
    const fifo = await probeWaits('LOW');
    for (const [what, r] of [
      ['HIGH', high],
      ['FIFO', fifo],
    ] as const)
      if (r.queuedBehind < LOW_TASKS / 2)
        throw new Error(
          `only ${r.queuedBehind} LOW tasks were still queued behind the ${what} probes: they no longer sit behind ${LOW_TASKS}`,
        );
    const warm = await runaway(1);
    const cold = await runaway(0);
    const p50 = (w: number[]) => w[Math.floor(w.length / 2)]!;
    console.error(
      `  a probe waited p50 ${p50(high.waits).toFixed(2)} ms (max ${high.waits.at(-1)!.toFixed(2)}) at HIGH, ${p50(fifo.waits).toFixed(0)} ms (max ${fifo.waits.at(-1)!.toFixed(0)}) in one FIFO queue, behind ${LOW_TASKS} LOW of ${LOW_RUN_MS} ms (${PROBES} tries each); runaway killed ${warm.killedMs.toFixed(1)} ms after its timeout, next task done ${warm.nextDoneMs.toFixed(1)} ms after it with a warm spare, ${cold.nextDoneMs.toFixed(1)} ms without`,
    );
    // Lower is better throughout: ratio = anchor ÷ ours (how many times sooner than the anchor).
    const wait = (metric: string, ours: number, anchor: string, anchorValue: number, n: number): Figure => ({
      bench: 'executor-priority',
      metric,
      value: round(ours, 2),
      unit: 'ms',
      n,
      anchor,
      anchor_value: round(anchorValue, 2),
      ratio: round(anchorValue / ours, 1),
    });
    return [
      wait(`high_wait_p50_ms_behind_${LOW_TASKS}_low`, p50(high.waits), FIFO, p50(fifo.waits), PROBES),
      wait(`high_wait_max_ms_behind_${LOW_TASKS}_low`, high.waits.at(-1)!, FIFO, fifo.waits.at(-1)!, PROBES),
      wait('timeout_to_next_task_done_ms', warm.nextDoneMs, NO_SPARE, cold.nextDoneMs, 1),
    ];
  },
};
