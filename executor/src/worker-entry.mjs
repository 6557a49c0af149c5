// The bootstrap of every pool worker (plain JS, so it loads without a TypeScript loader). It imports the task
// modules — registering tsx first when one is TypeScript — maps their exported functions by name, says it is ready,
// then runs one task per message: [id, name, args] in, [id, 0, result] or [id, 1, {name, message, stack}] out.
import { parentPort, workerData } from 'node:worker_threads';

const modules = workerData.modules;
if (modules.some((m) => /\.[cm]?ts$/.test(m))) (await import('tsx/esm/api')).register();
const tasks = new Map();
for (const url of modules) {
  const mod = await import(url);
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== 'function') continue;
    if (tasks.has(name)) throw new Error(`task ${name} is exported by two task modules`);
    tasks.set(name, fn);
  }
}

const fail = (id, err) =>
  parentPort.postMessage([id, 1, { name: err?.name ?? 'Error', message: String(err?.message ?? err), stack: err?.stack }]);

parentPort.on('message', (msg) => {
  const [id, name, args] = msg;
  const fn = tasks.get(name);
  if (!fn) return fail(id, new Error(`no task named ${name} (known: ${[...tasks.keys()].join(', ')})`));
  let result;
  try {
    result = fn(args);
  } catch (err) {
    return fail(id, err);
  }
  if (result && typeof result.then === 'function') {
    result.then((value) => parentPort.postMessage([id, 0, value]), (err) => fail(id, err));
  } else {
    parentPort.postMessage([id, 0, result]);
  }
});
parentPort.postMessage(['ready', [...tasks.keys()]]);
