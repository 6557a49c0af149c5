import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { solveVrptw } from './solve.js';
import type { SolveOptions, VrptwProblem, VrptwSolution } from './types.js';

/**
 * The solver off the request path: `solveInWorker` runs one solve on its own worker thread, so a 2-second search
 * never holds the hub's event loop. This file is also the worker's body (below), recognised by its workerData.
 *
 * The thread starts from a tiny CommonJS bootstrap that registers tsx first when this file is TypeScript (running
 * from source, under tsx or vitest, whose loaders a plain worker does not inherit), then imports this file.
 */
const MARK = 'storefleet-vrptw-worker';

interface Job {
  readonly mark: typeof MARK;
  readonly problem: VrptwProblem;
  readonly options: Omit<SolveOptions, 'signal'>;
}
type Reply = { ok: VrptwSolution } | { error: { name: string; message: string } };

/** A solve that was stopped by its caller (the worker was terminated). */
export class SolveAbortedError extends Error {
  override readonly name = 'AbortError';
}

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((err) => { setImmediate(() => { throw err; }); });
`;

/** What a worker may take: a problem of a few thousand stops needs two matrices of N² doubles. */
const LIMITS = { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 64 };

/** The ES-module build of tsx's register API (the CommonJS one cannot register hooks from an eval'd worker). */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(manifest), pkg.exports['./esm/api']!.import.default)).href;
}

/**
 * Solves `problem` on a fresh worker thread within `budgetMs` (plus the construction). Aborting `signal` terminates
 * the worker and rejects with `SolveAbortedError`; a worker that outlives `budgetMs` + `graceMs` is terminated too
 * (its construction ran away), rejecting with an Error. A malformed problem rejects with the solver's message.
 */
export function solveInWorker(
  problem: VrptwProblem,
  budgetMs: number,
  signal?: AbortSignal,
  options: Omit<SolveOptions, 'signal' | 'budgetMs'> & { readonly graceMs?: number } = {},
): Promise<VrptwSolution> {
  if (signal?.aborted) return Promise.reject(new SolveAbortedError('the solve was aborted before it started'));
  const { graceMs = 60_000, ...solveOptions } = options;
  const entry = new URL(import.meta.url);
  const tsx = entry.pathname.endsWith('.ts') ? tsxApi() : null;
  const job: Job = { mark: MARK, problem, options: { ...solveOptions, budgetMs } };
  return new Promise<VrptwSolution>((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry: entry.href, tsx, job },
      resourceLimits: LIMITS,
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new SolveAbortedError('the solve was aborted')));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`the solver did not finish within ${budgetMs + graceMs} ms`))),
      budgetMs + graceMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: Reply) =>
      finish(() => {
        if ('ok' in reply) resolve(reply.ok);
        else reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      }),
    );
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the solver's worker exited with code ${code}`))));
  });
}

// The worker's body.
if (!isMainThread && parentPort && (workerData as { job?: Job } | null)?.job?.mark === MARK) {
  const { problem, options } = (workerData as { job: Job }).job;
  let reply: Reply;
  try {
    reply = { ok: solveVrptw(problem, options) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { error: { name: e.name, message: e.message } };
  }
  parentPort.postMessage(reply);
}
