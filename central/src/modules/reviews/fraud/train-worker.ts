import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Figures } from './metrics.js';
import { crossValidate, fitTextModel, type TextModelOptions, type TextModelSpec } from './text-model.js';
import type { LabelledText } from './training-data.js';

/**
 * Training off the hub's event loop: `trainOnWorker` starts a worker thread that cross-validates the text model on
 * the rows (k folds, a fixed seed), fits it on them all, and posts back the spec, the bytes (transferred) and the
 * figures; then the thread ends. This file is also the worker's body (below), recognised by its workerData; the thread
 * starts from a tiny CommonJS bootstrap that registers tsx first when this file is TypeScript (as the recommendations'
 * trainer does).
 */
const MARK = 'storefleet-reviews-trainer';

export interface WorkerTrained {
  readonly spec: TextModelSpec;
  readonly bytes: Uint8Array;
  /** Out-of-fold figures, or null with fewer than `folds` rows of each label. */
  readonly cv:
    | (Omit<Figures, 'confusion'> & { readonly confusion: Figures['confusion']; readonly folds: number })
    | null;
  readonly cvMs: number;
  readonly trainMs: number;
}

type Reply =
  | { readonly kind: 'trained'; readonly trained: WorkerTrained }
  | { readonly kind: 'error'; readonly name: string; readonly message: string };

export interface WorkerJob {
  readonly rows: readonly LabelledText[];
  readonly options: TextModelOptions;
  readonly folds: number;
  readonly seed: number;
}

/** The training itself (also called in-process by the bench and tests). */
export function trainRows(job: WorkerJob): WorkerTrained {
  const positives = job.rows.filter((r) => r.label === 1).length;
  const negatives = job.rows.length - positives;
  if (positives === 0 || negatives === 0)
    throw new Error(`the training rows need both labels (${positives} generated, ${negatives} written)`);
  let t = performance.now();
  let cv: WorkerTrained['cv'] = null;
  if (positives >= job.folds && negatives >= job.folds)
    cv = { ...crossValidate(job.rows, job.options, job.folds, job.seed).figures, folds: job.folds };
  const cvMs = Math.round(performance.now() - t);
  t = performance.now();
  const model = fitTextModel(job.rows, job.options);
  return { spec: model.spec, bytes: model.toBytes(), cv, cvMs, trainMs: Math.round(performance.now() - t) };
}

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((err) => { setImmediate(() => { throw err; }); });
`;

/** The ES-module build of tsx's register API (the CommonJS one cannot register hooks from an eval'd worker). */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(manifest), pkg.exports['./esm/api']!.import.default)).href;
}

/** A training run stopped by its caller (the worker was terminated). */
export class TrainingAbortedError extends Error {
  override readonly name = 'AbortError';
}

/** Trains on a thread of its own; aborting `signal` terminates it and rejects with TrainingAbortedError. */
export function trainOnWorker(job: WorkerJob, signal?: AbortSignal): Promise<WorkerTrained> {
  if (signal?.aborted) return Promise.reject(new TrainingAbortedError('the training was aborted before it started'));
  const entry = new URL(import.meta.url);
  const tsx = entry.pathname.endsWith('.ts') ? tsxApi() : null;
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { entry: entry.href, tsx, job: { mark: MARK, ...job } },
    resourceLimits: { maxOldGenerationSizeMb: 2048 },
  });
  return new Promise<WorkerTrained>((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | null, value?: WorkerTrained) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = () => settle(new TrainingAbortedError('the training was aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: Reply) => {
      if (reply.kind === 'error') settle(Object.assign(new Error(reply.message), { name: reply.name }));
      else settle(null, { ...reply.trained, bytes: new Uint8Array(reply.trained.bytes) });
    });
    worker.on('error', (err) => settle(err));
    worker.on('exit', (code) => settle(new Error(`the trainer's thread exited with code ${code}`)));
  });
}

// The worker's body.
if (!isMainThread && parentPort && (workerData as { job?: { mark?: string } } | null)?.job?.mark === MARK) {
  const port = parentPort;
  const job = (workerData as { job: WorkerJob }).job;
  try {
    const trained = trainRows(job);
    port.postMessage({ kind: 'trained', trained } satisfies Reply, [trained.bytes.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ kind: 'error', name: e.name, message: e.message } satisfies Reply);
  }
}
