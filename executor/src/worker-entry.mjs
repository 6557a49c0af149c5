// The bootstrap of every pool worker (plain JS, so it loads without a TypeScript loader). It imports the task
// modules — registering tsx first when one is TypeScript — maps their exported functions by name, says it is ready,
// then runs each message's tasks in order.
//   in:  [budgetMicros, [[id, name, args], …]]
//   out: 'ready' | [[id, 0 | 1, result | error, runMicros], …] | { stray: error }
// A batch of tiny tasks costs one round trip instead of one each. Once a batch has run longer than its budget, the
// worker stops and answers with the results so far; the executor puts the unrun rest back at the head of the queue,
// so work that turned out slower than measured cannot hold a HIGH task behind a whole batch.
// An error thrown after its task finished (a timer, an unhandled rejection) cannot be told apart from the running
// task's, and must not kill the worker and fail whatever task runs next: it is reported as stray and the worker
// lives on.
import { parentPort, workerData } from 'node:worker_threads';

/** Reads one field of a thrown value; a getter that throws or a value that cannot become a string gives `fallback`. */
const field = (read, fallback) => {
  try {
    const v = read();
    return v === undefined || v === null ? fallback : String(v);
  } catch {
    return fallback;
  }
};
const errorOf = (err) => ({
  name: field(() => err.name, 'Error'),
  message: field(
    () => (err !== null && typeof err === 'object' ? err.message : err),
    'a thrown value whose message could not be read',
  ),
  stack: field(() => err.stack, undefined),
});

process.on('uncaughtException', (err) => parentPort.postMessage({ stray: errorOf(err) }));
process.on('unhandledRejection', (err) => parentPort.postMessage({ stray: errorOf(err) }));

const modules = workerData.modules;
if (modules.some((m) => /\.[cm]?ts$/.test(m))) (await import('tsx/esm/api')).register();
const tasks = new Map();
for (const url of modules) {
  const mod = await import(url);
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== 'function') continue;
    if (tasks.has(name) && tasks.get(name) !== fn) throw new Error(`task ${name} is exported by two task modules`);
    tasks.set(name, fn);
  }
}

async function runAll([budgetMicros, batch]) {
  const out = [];
  const start = performance.now();
  for (const [id, name, args] of batch) {
    if (out.length && (performance.now() - start) * 1000 > budgetMicros) break;
    const fn = tasks.get(name);
    if (!fn) {
      out.push([id, 1, errorOf(new Error(`no task named ${name} (known: ${[...tasks.keys()].join(', ')})`)), 0]);
      continue;
    }
    const t0 = performance.now();
    try {
      let result = fn(args);
      if (result && typeof result.then === 'function') result = await result;
      out.push([id, 0, result, (performance.now() - t0) * 1000]);
    } catch (err) {
      out.push([id, 1, errorOf(err), (performance.now() - t0) * 1000]);
    }
  }
  try {
    parentPort.postMessage(out);
  } catch {
    // A result (or an error's field) that cannot be cloned fails its own task, not the batch or the worker.
    parentPort.postMessage(
      out.map((r, i) => {
        try {
          structuredClone(r[2]);
          return r;
        } catch (err) {
          return [
            r[0],
            1,
            errorOf(
              new TypeError(
                `the result of task ${batch[i][1]} cannot be sent back from the worker (${field(() => err.message, 'not cloneable')})`,
              ),
            ),
            r[3],
          ];
        }
      }),
    );
  }
}

parentPort.on('message', (msg) => void runAll(msg));
parentPort.postMessage('ready');
