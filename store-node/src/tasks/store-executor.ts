import type { ResourceLimits } from 'node:worker_threads';
import { Executor, type Priority, type SubmitOptions } from '@storefleet/executor';
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface ExecutorConfig {
  /** Worker threads (default: the machine's cores). */
  readonly size?: number;
  readonly queueLimit?: number;
  /** Per worker thread; default STORE_WORKER_LIMITS. */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * What one worker may take by default, sized for a store PC (8 GB shared by the node, the Electron UI and the OS;
 * one worker per core): a task past it ends its own worker (WorkerCrashedError), not the node. Unlimited, V8 lets
 * each worker grow a heap of ~4 GB. These cap the V8 heap (and the stack) only: the contents of ArrayBuffers,
 * Buffers and typed arrays, and native memory such as SQLite's page cache, are outside it — the store's tasks keep
 * those small (rows are read into plain objects; each read-only connection keeps SQLite's default ~2 MB cache).
 */
export const STORE_WORKER_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 32,
  stackSizeMb: 4,
};

const TASK_MODULE = new URL('./store-tasks.ts', import.meta.url);

/**
 * The store node's local executor, started on first use (a node that never reconciles RFID or builds a report
 * spawns no threads), with its figures on the node's /metrics.
 */
export class StoreExecutor {
  #executor: Executor | undefined;
  readonly #dispatch: Histogram;

  constructor(
    readonly config: ExecutorConfig,
    metrics: Registry,
  ) {
    this.#dispatch = new Histogram({
      name: 'storefleet_store_executor_dispatch_seconds',
      help: 'wait from submit to a worker taking the task',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025, 0.1, 0.5, 2],
      registers: [metrics],
    });
    const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) =>
      new Gauge({
        name: `storefleet_store_executor_${name}`,
        help,
        labelNames,
        registers: [metrics],
        collect() {
          read(this);
        },
      });
    const stat = (name: string, help: string, pick: (s: ReturnType<Executor['stats']>) => number) =>
      gauge(name, help, (g) => g.set(this.#executor ? pick(this.#executor.stats()) : 0));
    stat('completed', 'tasks completed', (s) => s.completed);
    stat('failed', 'tasks that threw', (s) => s.failed);
    stat('rejected', 'tasks refused (queue full or shut down)', (s) => s.rejected);
    stat('timed_out', 'tasks killed at their timeout', (s) => s.timedOut);
    stat('crashed', 'tasks whose worker died', (s) => s.crashed);
    stat('aborted', 'tasks aborted by their caller or stopped at shutdown', (s) => s.aborted);
    stat('dropped', 'queued tasks dropped (queue full or shutdown)', (s) => s.dropped);
    stat(
      'stray_errors',
      'errors thrown by task code after its task settled (a timer, an unhandled rejection)',
      (s) => s.strayErrors,
    );
    stat('active_tasks', 'tasks running now', (s) => s.active);
    stat('workers', 'worker threads in the pool', (s) => s.workers);
    stat('utilisation', 'busy share of the pool over the last second or more (0–1)', (s) => s.utilisation);
    gauge(
      'queued',
      'tasks waiting, per priority',
      (g) => {
        const q = this.#executor?.stats().queued;
        for (const p of ['HIGH', 'NORMAL', 'LOW'] as Priority[]) g.set({ priority: p }, q?.[p] ?? 0);
      },
      ['priority'],
    );
  }

  submit<T>(name: string, args: unknown, opts?: SubmitOptions): Promise<T> {
    this.#executor ??= new Executor({
      taskModules: [TASK_MODULE],
      size: this.config.size,
      queueLimit: this.config.queueLimit,
      resourceLimits: this.config.resourceLimits ?? STORE_WORKER_LIMITS,
      onDispatchLatency: (s) => this.#dispatch.observe(s),
    });
    return this.#executor.submit<T>(name, args, opts);
  }

  stats(): ReturnType<Executor['stats']> | null {
    return this.#executor?.stats() ?? null;
  }

  /** Lets running work finish (up to 5 s), then stops what is left. */
  async stop(): Promise<void> {
    const e = this.#executor;
    if (!e) return;
    e.shutdown();
    if (!(await e.awaitTermination(5000))) {
      e.shutdownNow();
      await e.awaitTermination(2000);
    }
  }
}
