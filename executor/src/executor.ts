import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { CostModel } from './cost-model.js';
import { AbortError, DroppedError, RejectedError, TaskError, TimeoutError, WorkerCrashedError } from './errors.js';
import { checkTimeoutMs, LongTimer } from './long-timer.js';
import { PRIORITIES, TaskQueue, type Priority } from './task-queue.js';

export type RejectionPolicy = 'REJECT' | 'CALLER_RUNS' | 'DROP_OLDEST_LOW';
export type ExecutorState = 'RUNNING' | 'SHUTDOWN' | 'TERMINATED';

export interface ExecutorOptions {
  /** Modules whose exported functions are the tasks, by export name (file URLs; .ts works under tsx). */
  readonly taskModules: readonly (string | URL)[];
  /** Workers (default: the machine's cores). */
  readonly size?: number;
  /** Tasks waiting at most (default 10,000); beyond it the rejection policy decides. */
  readonly queueLimit?: number;
  /**
   * When the queue is full: REJECT fails the task with RejectedError; CALLER_RUNS runs it at once on a dedicated
   * worker of its own (one task at a time, with the same timeout, limits, errors and counts as the pool; while that
   * worker is busy the task is rejected), so the caller pays the wait and never its own thread; DROP_OLDEST_LOW fails
   * the oldest queued LOW task with DroppedError to make room.
   */
  readonly rejectionPolicy?: RejectionPolicy;
  /** A NORMAL or LOW task waiting this long goes before HIGH work (default: off, strict priority). */
  readonly agingMs?: number;
  /** Warm workers kept ready to replace a terminated one at once (default 1). */
  readonly spares?: number;
  /**
   * Tiny tasks sent to a worker in one message, at most (default 32); 1 sends every task alone, as a pool without
   * batching does (the executor benchmark measures both).
   */
  readonly batchMax?: number;
  /**
   * Per worker, e.g. { maxOldGenerationSizeMb: 256 }: a task over it kills its worker, not the node. These cap the
   * V8 heap only: ArrayBuffer/Buffer/typed-array contents and native memory (e.g. SQLite's page cache) are not counted.
   */
  readonly resourceLimits?: ResourceLimits;
  /** Called with each task's wait from submit to dispatch, in seconds (for a histogram). */
  readonly onDispatchLatency?: (seconds: number) => void;
  /**
   * Called with an error a task's code threw after its task had settled (a timer, an unhandled rejection): it cannot
   * be pinned on a task, so no task fails for it and the worker lives on; log it.
   */
  readonly onStrayError?: (err: TaskError) => void;
}

export interface SubmitOptions {
  readonly priority?: Priority;
  /**
   * Running time allowed (queue time does not count); past it the task fails and its worker is replaced. A positive
   * number of ms, any size (delays past a timer's 2^31−1 ms are waited out in steps); undefined or Infinity: none.
   */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ExecutorStats {
  readonly state: ExecutorState;
  readonly workers: number;
  readonly active: number;
  readonly queued: Record<Priority, number>;
  readonly completed: number;
  readonly failed: number;
  readonly rejected: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly crashed: number;
  readonly dropped: number;
  readonly workersReplaced: number;
  /** Errors thrown by task code after its task settled (see onStrayError). */
  readonly strayErrors: number;
  /** Busy share of the pool over the last whole window of a second or more (0–1). */
  readonly utilisation: number;
}

interface Task {
  readonly id: number;
  readonly name: string;
  readonly args: unknown;
  readonly priority: Priority;
  readonly enqueuedAt: number;
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  slot?: Slot;
  timer?: LongTimer;
  /** Its dispatch latency was reported (a batch's unrun rest that goes back to the queue is not reported twice). */
  dispatched?: boolean;
}

/** One listener per AbortSignal, whatever many tasks share it: aborting them all is linear, not quadratic. */
interface SignalWatch {
  readonly tasks: Set<Task>;
  readonly onAbort: () => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  dead: boolean;
  /** Tasks sent to this worker and not yet answered (one, or a batch of tiny ones). */
  tasks: Task[];
  busySince: number;
}

/** Tasks whose estimated run time is below this are sent in batches of up to `batchMax` (default 32) per message… */
const TINY_MICROS = 50;
const BATCH_MAX_DEFAULT = 32;
/** …whose estimates sum to at most this; and a worker stops a batch that has run past it (see worker-entry.mjs). */
const BATCH_BUDGET_MICROS = 1000;

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);
const STARTUP_FAILURES_TO_GIVE_UP = 3;

/**
 * A fixed pool of worker threads with ThreadPoolExecutor semantics: `submit(name, args, {priority, timeoutMs,
 * signal})` runs the task module function `name` on a free worker, FIFO within HIGH, NORMAL, LOW; a bounded queue
 * with a rejection policy; timeouts and aborts terminate the worker (JavaScript cannot interrupt a running function
 * any other way: a runaway loop would hold its thread forever) and a warm spare takes its place at once; a task that
 * throws fails alone; a worker that dies is replaced and its task fails with WorkerCrashedError.
 */
export class Executor {
  readonly size: number;
  readonly queueLimit: number;
  readonly policy: RejectionPolicy;
  readonly #batchMax: number;
  #state: ExecutorState = 'RUNNING';
  readonly #queue: TaskQueue<Task>;
  readonly #pool = new Set<Slot>();
  readonly #idle: Slot[] = [];
  readonly #spares: Slot[] = [];
  readonly #modules: string[];
  #nextId = 1;
  #startupFailures = 0;
  #startupError: Error | undefined;
  #busyMs = 0;
  #utilisationAt = performance.now();
  #utilisationBusy = 0;
  #utilisation = 0;
  readonly #counts = {
    completed: 0,
    failed: 0,
    rejected: 0,
    timedOut: 0,
    aborted: 0,
    crashed: 0,
    dropped: 0,
    workersReplaced: 0,
    strayErrors: 0,
  };
  #terminated: Promise<void>;
  #markTerminated!: () => void;
  /** The CALLER_RUNS policy's own worker: runs one overflow task at a time, outside the pool. */
  #lane: Slot | undefined;
  readonly #cost = new CostModel();
  readonly #signals = new WeakMap<AbortSignal, SignalWatch>();

  constructor(readonly options: ExecutorOptions) {
    this.size = options.size ?? availableParallelism();
    this.queueLimit = options.queueLimit ?? 10_000;
    this.policy = options.rejectionPolicy ?? 'REJECT';
    if (!Number.isInteger(this.size) || this.size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${this.size}`);
    this.#batchMax = options.batchMax ?? BATCH_MAX_DEFAULT;
    if (!Number.isInteger(this.#batchMax) || this.#batchMax < 1)
      throw new RangeError(`batchMax must be a positive integer, got ${this.#batchMax}`);
    this.#queue = new TaskQueue(options.agingMs);
    this.#modules = options.taskModules.map((m) => String(m));
    this.#terminated = new Promise((resolve) => (this.#markTerminated = resolve));
    for (let i = 0; i < this.size; i++) this.#pool.add(this.#spawn());
    for (let i = 0; i < (options.spares ?? 1); i++) this.#spares.push(this.#spawn());
    if (this.policy === 'CALLER_RUNS') this.#lane = this.#spawn();
  }

  get state(): ExecutorState {
    return this.#state;
  }

  /** Resolves once every pool worker has loaded its task modules (tasks submitted earlier simply wait). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const end = performance.now() + timeoutMs;
    while ([...this.#pool, ...(this.#lane ? [this.#lane] : [])].some((s) => !s.ready)) {
      if (this.#startupError) throw this.#startupError;
      if (performance.now() > end) throw new Error(`workers not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Runs task `name` with `args` (structured-cloned to the worker) and resolves with its result. */
  submit<T = unknown>(name: string, args?: unknown, opts: SubmitOptions = {}): Promise<T> {
    if (this.#state !== 'RUNNING')
      return this.#refuse(new RejectedError(`the executor is ${this.#state.toLowerCase()}; task ${name} not accepted`));
    if (this.#startupError) return this.#refuse(this.#startupError);
    if (opts.signal?.aborted) return Promise.reject(new AbortError(`task ${name} was aborted before it was queued`));
    // A caller's mistake is not a refusal for lack of room: it is not counted as rejected.
    const priority = opts.priority ?? 'NORMAL';
    if (!PRIORITIES.includes(priority))
      return Promise.reject(new RangeError(`priority must be HIGH, NORMAL or LOW, got ${String(priority)}`));
    let timeoutMs: number | undefined;
    try {
      timeoutMs = checkTimeoutMs(name, opts.timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    let lane: Slot | undefined;
    if (this.#queue.size >= this.queueLimit && !this.#idle.length) {
      if (this.policy === 'CALLER_RUNS') {
        lane = this.#lane;
        if (!lane?.ready || lane.tasks.length)
          return this.#refuse(
            new RejectedError(
              `the queue is full (${this.queueLimit} tasks) and the caller-runs worker is busy; task ${name} rejected`,
            ),
          );
      } else {
        const victim = this.policy === 'DROP_OLDEST_LOW' ? this.#queue.shiftOldest('LOW') : undefined;
        if (!victim)
          return this.#refuse(new RejectedError(`the queue is full (${this.queueLimit} tasks); task ${name} rejected`));
        this.#counts.dropped++;
        this.#settle(
          victim,
          false,
          new DroppedError(`task ${victim.name} (LOW) was dropped for newer work: the queue was full`),
        );
      }
    }
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        id: this.#nextId++,
        name,
        args,
        priority,
        enqueuedAt: performance.now(),
        timeoutMs,
        signal: opts.signal,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (opts.signal) this.#watch(task, opts.signal);
      const slot = lane ?? (this.#queue.size === 0 ? this.#idle.pop() : undefined);
      if (slot) this.#run(slot, [task]);
      else {
        this.#queue.push(task);
        this.#dispatch();
      }
    });
  }

  /** No new tasks; queued and running ones finish; then the workers stop. */
  shutdown(): void {
    if (this.#state !== 'RUNNING') return;
    this.#state = 'SHUTDOWN';
    this.#maybeTerminate();
  }

  /** No new tasks; queued ones are rejected (DroppedError), running ones stopped (AbortError). Returns how many never ran. */
  shutdownNow(): number {
    if (this.#state === 'TERMINATED') return 0;
    this.#state = 'SHUTDOWN';
    const never = this.#queue.drain();
    this.#counts.dropped += never.length;
    for (const t of never)
      this.#settle(t, false, new DroppedError(`task ${t.name} was dropped: the executor was shut down`));
    for (const slot of [...this.#pool, ...(this.#lane ? [this.#lane] : [])]) {
      if (!slot.tasks.length) continue;
      this.#counts.aborted += slot.tasks.length;
      this.#kill(slot, new AbortError(`task ${slot.tasks[0]!.name} was stopped: the executor was shut down`), false);
    }
    this.#maybeTerminate();
    return never.length;
  }

  /** Resolves true once TERMINATED, or false if `timeoutMs` passes first. */
  async awaitTermination(timeoutMs = Infinity): Promise<boolean> {
    if (timeoutMs === Infinity) return this.#terminated.then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([this.#terminated.then(() => true), late]);
    clearTimeout(timer);
    return done;
  }

  stats(): ExecutorStats {
    const now = performance.now();
    let busy = this.#busyMs;
    let active = this.#lane?.tasks.length ?? 0;
    for (const s of this.#pool) {
      if (!s.tasks.length) continue;
      active += s.tasks.length;
      busy += now - s.busySince;
    }
    // Measured over windows of at least a second, so several readers (one per metric) see the same figure.
    const elapsed = now - this.#utilisationAt;
    if (elapsed >= 1000) {
      this.#utilisation = Math.min(1, (busy - this.#utilisationBusy) / (elapsed * this.size));
      this.#utilisationAt = now;
      this.#utilisationBusy = busy;
    }
    const utilisation = this.#utilisation;
    return {
      state: this.#state,
      workers: this.#pool.size,
      active,
      queued: {
        HIGH: this.#queue.sizeOf('HIGH'),
        NORMAL: this.#queue.sizeOf('NORMAL'),
        LOW: this.#queue.sizeOf('LOW'),
      },
      ...this.#counts,
      utilisation,
    };
  }

  #spawn(): Slot {
    const worker = new Worker(ENTRY, {
      workerData: { modules: this.#modules },
      resourceLimits: this.options.resourceLimits,
    });
    const slot: Slot = { worker, ready: false, dead: false, tasks: [], busySince: 0 };
    worker.on('message', (msg: 'ready' | [number, 0 | 1, unknown, number][] | { stray: TaskErrorData }) => {
      if (msg === 'ready') return this.#ready(slot);
      if (Array.isArray(msg)) return this.#finished(slot, msg);
      this.#counts.strayErrors++;
      this.options.onStrayError?.(taskError(msg.stray));
    });
    worker.on('error', (err) => this.#died(slot, err));
    worker.on('exit', (code) => this.#died(slot, new Error(`the worker exited with code ${code}`)));
    return slot;
  }

  #ready(slot: Slot): void {
    slot.ready = true;
    this.#startupFailures = 0;
    if (this.#pool.has(slot)) {
      this.#idle.push(slot);
      this.#dispatch();
    }
  }

  #dispatch(): void {
    while (this.#idle.length && this.#queue.size) {
      const now = performance.now();
      const first = this.#queue.take(now)!;
      const batch = [first];
      // Tiny tasks travel together: one message each way for many. A task with a timeout or a signal travels alone
      // (killing its worker must not take others with it); so does anything estimated slower than TINY_MICROS, and a
      // batch's estimates sum to at most BATCH_BUDGET_MICROS. Estimates can be wrong (a name that was fast turns
      // slow): the worker stops a batch past its budget and the rest comes back to the queue, so a HIGH task waits
      // behind at most one task that ran long. With several idle workers, work is spread rather than batched onto one.
      let expected = this.#batchable(first);
      if (expected < TINY_MICROS && this.#idle.length === 1) {
        while (batch.length < this.#batchMax && this.#queue.size) {
          const next = this.#queue.take(now)!;
          const cost = this.#batchable(next);
          if (cost >= TINY_MICROS || expected + cost > BATCH_BUDGET_MICROS) {
            this.#queue.unshift(next);
            break;
          }
          expected += cost;
          batch.push(next);
        }
      }
      this.#run(this.#idle.pop()!, batch);
    }
    if (this.#state === 'SHUTDOWN') this.#maybeTerminate();
  }

  /** The task's estimated cost in µs if it may share a message with others, else Infinity. */
  #batchable(t: Task): number {
    return t.timeoutMs === undefined && t.signal === undefined ? this.#cost.estimate(t.name) : Infinity;
  }

  #run(slot: Slot, batch: Task[]): void {
    const now = performance.now();
    for (const task of batch) {
      if (!task.dispatched) this.options.onDispatchLatency?.((now - task.enqueuedAt) / 1000);
      task.dispatched = true;
      task.slot = slot;
    }
    slot.tasks = batch;
    slot.busySince = now;
    try {
      slot.worker.postMessage([BATCH_BUDGET_MICROS, batch.map((t) => [t.id, t.name, t.args])]);
    } catch (err) {
      // Arguments that cannot be cloned (a function, a socket): those tasks fail, the worker never saw them; the
      // others of a batch go on (the check per task costs a clone, so it runs only once a batch has failed).
      slot.tasks = [];
      const sendable = batch.filter((task) => {
        let why = (err as Error).message;
        try {
          structuredClone(task.args);
          if (batch.length > 1) return true;
        } catch (e) {
          why = (e as Error).message;
        }
        task.slot = undefined;
        this.#counts.failed++;
        this.#settle(
          task,
          false,
          new TypeError(`task ${task.name}: its arguments cannot be sent to a worker (${why})`),
        );
        return false;
      });
      if (sendable.length === batch.length) {
        for (const task of batch) {
          this.#counts.failed++;
          this.#settle(
            task,
            false,
            new TypeError(`task ${task.name}: its batch cannot be sent to a worker (${(err as Error).message})`),
          );
        }
      } else if (sendable.length) {
        this.#run(slot, sendable);
        return;
      }
      if (slot !== this.#lane) this.#idle.push(slot);
      return;
    }
    const task = batch[0]!;
    if (task.timeoutMs !== undefined) {
      task.timer = new LongTimer(task.timeoutMs, () => {
        this.#counts.timedOut++;
        this.#kill(
          slot,
          new TimeoutError(`task ${task.name} ran past its ${task.timeoutMs} ms timeout; its worker was replaced`),
        );
      });
    }
  }

  #finished(slot: Slot, results: [number, 0 | 1, unknown, number][]): void {
    const batch = slot.tasks;
    if (slot.dead || !batch.length || batch[0]!.id !== results[0]?.[0]) return;
    slot.tasks = [];
    if (slot !== this.#lane) {
      this.#busyMs += performance.now() - slot.busySince;
      this.#idle.push(slot);
    }
    // A batch the worker stopped at its budget: the unrun rest goes back to the head of its queues, in order,
    // behind anything of higher priority that came meanwhile.
    for (let i = batch.length - 1; i >= results.length; i--) {
      batch[i]!.slot = undefined;
      this.#queue.unshift(batch[i]!);
    }
    this.#dispatch(); // the worker gets its next work before these tasks' continuations run
    results.forEach(([, ok, value, micros], i) => {
      const task = batch[i]!;
      this.#cost.observe(task.name, micros);
      if (ok === 0) {
        this.#counts.completed++;
        this.#settle(task, true, value);
      } else {
        this.#counts.failed++;
        this.#settle(task, false, taskError(value as TaskErrorData));
      }
    });
  }

  #watch(task: Task, signal: AbortSignal): void {
    let watch = this.#signals.get(signal);
    if (!watch) {
      const tasks = new Set<Task>();
      const onAbort = () => {
        this.#signals.delete(signal);
        for (const t of tasks) this.#abort(t);
      };
      watch = { tasks, onAbort };
      this.#signals.set(signal, watch);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    watch.tasks.add(task);
  }

  #unwatch(task: Task): void {
    const watch = task.signal && this.#signals.get(task.signal);
    if (!watch?.tasks.delete(task) || watch.tasks.size) return;
    this.#signals.delete(task.signal!);
    task.signal!.removeEventListener('abort', watch.onAbort);
  }

  #abort(task: Task): void {
    const err = new AbortError(`task ${task.name} was aborted`);
    if (task.slot) {
      this.#counts.aborted++;
      this.#kill(task.slot, err);
    } else if (this.#queue.remove(task)) {
      this.#counts.aborted++;
      this.#settle(task, false, err);
    }
  }

  /** Terminates a worker on purpose (timeout, abort): its task fails with `err`, and it is replaced unless `replace` is false. */
  #kill(slot: Slot, err: Error, replace = true): void {
    if (slot.dead) return;
    slot.dead = true;
    const tasks = slot.tasks;
    slot.tasks = [];
    this.#forget(slot);
    if (tasks.length) this.#busyMs += performance.now() - slot.busySince;
    for (const task of tasks) this.#settle(task, false, err);
    void slot.worker.terminate();
    if (slot === this.#lane) this.#replaceLane();
    else if (replace) this.#replace();
    else this.#maybeTerminate();
  }

  #died(slot: Slot, err: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    const wasReady = slot.ready;
    const tasks = slot.tasks;
    slot.tasks = [];
    const wasInPool = this.#forget(slot);
    for (const task of tasks) {
      this.#counts.crashed++;
      const batch = tasks.length > 1 ? ` (one of a batch of ${tasks.length} tiny tasks sent together)` : '';
      this.#settle(
        task,
        false,
        new WorkerCrashedError(`the worker running task ${task.name} died${batch}: ${err.message}`),
      );
    }
    if (this.#state === 'TERMINATED') return;
    if (!wasReady && ++this.#startupFailures >= STARTUP_FAILURES_TO_GIVE_UP) {
      this.#startupError = new WorkerCrashedError(`workers fail to start: ${err.message}`);
      for (const t of this.#queue.drain()) this.#settle(t, false, this.#startupError);
      return;
    }
    if (slot === this.#lane) this.#replaceLane();
    else if (wasInPool) this.#replace();
    else this.#spares.push(this.#spawn());
  }

  /** The caller-runs worker is replaced while the executor runs (it is not needed once it shuts down). */
  #replaceLane(): void {
    if (this.#state === 'RUNNING') {
      this.#counts.workersReplaced++;
      this.#lane = this.#spawn();
    } else {
      this.#lane = undefined;
      this.#maybeTerminate();
    }
  }

  /** Removes a slot from the pool, the idle list and the spares; true if it was a pool member. */
  #forget(slot: Slot): boolean {
    const i = this.#idle.indexOf(slot);
    if (i >= 0) this.#idle.splice(i, 1);
    const s = this.#spares.indexOf(slot);
    if (s >= 0) this.#spares.splice(s, 1);
    return this.#pool.delete(slot);
  }

  /** Capacity back at once from a warm spare (then a new spare warms up), else from a fresh worker. */
  #replace(): void {
    if (this.#state === 'TERMINATED') return;
    this.#counts.workersReplaced++;
    const spare = this.#spares.findIndex((s) => s.ready);
    if (spare >= 0) {
      const slot = this.#spares.splice(spare, 1)[0]!;
      this.#pool.add(slot);
      this.#idle.push(slot);
      if (this.#state === 'RUNNING') this.#spares.push(this.#spawn());
      this.#dispatch();
    } else {
      this.#pool.add(this.#spawn());
    }
  }

  #maybeTerminate(): void {
    if (this.#state !== 'SHUTDOWN' || this.#queue.size || this.#lane?.tasks.length) return;
    for (const s of this.#pool) if (s.tasks.length) return;
    this.#state = 'TERMINATED';
    for (const s of [...this.#pool, ...this.#spares, ...(this.#lane ? [this.#lane] : [])]) {
      s.dead = true;
      void s.worker.terminate();
    }
    this.#pool.clear();
    this.#spares.length = 0;
    this.#idle.length = 0;
    this.#lane = undefined;
    this.#markTerminated();
  }

  #settle(task: Task, ok: boolean, value: unknown): void {
    task.timer?.cancel();
    this.#unwatch(task);
    if (ok) task.resolve(value);
    else task.reject(value);
  }

  #refuse(err: Error): Promise<never> {
    this.#counts.rejected++;
    return Promise.reject(err);
  }
}

interface TaskErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

function taskError(e: TaskErrorData): TaskError {
  return new TaskError(e.message, e.name, e.stack);
}
