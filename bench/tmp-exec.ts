import { Executor } from '@storefleet/executor';
const TASKS = new URL('./src/support/executor-tasks.mjs', import.meta.url);
const e = new Executor({ taskModules: [TASKS], size: 2, spares: 0 });
await e.ready();
let n = 0;
const end = performance.now() + 4000;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (performance.now() < end) {
      await e.submit('add', { x: n, y: 1 });
      n++;
    }
  }),
);
console.log(n / 4);
e.shutdownNow();
