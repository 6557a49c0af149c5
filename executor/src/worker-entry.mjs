// The bootstrap of every pool worker (plain JS, so it loads without a TypeScript loader). It imports the task
// modules — registering tsx first when one is TypeScript — maps their exported functions by name, says it is ready,
// then runs each message's tasks in order: [[id, name, args], …] in, [[id, 0 | 1, result | error, runMicros], …] out
// (one message per batch; a batch of tiny tasks costs one round trip instead of one each).
import { parentPort, workerData } from 'node:worker_threads';

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

const errorOf = (err) => ({ name: err?.name ?? 'Error', message: String(err?.message ?? err), stack: err?.stack });

async function runAll(batch) {
  const out = [];
  for (const [id, name, args] of batch) {
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
  parentPort.postMessage(out);
}

parentPort.on('message', (batch) => void runAll(batch));
parentPort.postMessage('ready');
