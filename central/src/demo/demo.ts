/**
 * `npm start`: the demo (run-demo.ts) from the command line. It prints what it waits for while it starts, and
 * "Storefleet is running." with the URLs only once the hub and every store node answer and every store is stocked.
 * Options: --stores N (default 3), --port P (hub, default 8080; stores take the ports after it), --data-dir D
 * (default ./data/demo; delete it to start over).
 */
import { parseArgs } from 'node:util';
import { createLogger, exitOnFatalErrors } from '@storefleet/shared';
import { DemoStartError, startDemo, type RunningDemo } from './run-demo.js';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '3' },
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    'data-dir': { type: 'string', default: './data/demo' },
  },
});
const storeCount = Number(values.stores);
const hubPort = Number(values.port);
if (!Number.isInteger(storeCount) || storeCount < 1 || storeCount > 200)
  throw new Error('--stores must be a whole number from 1 to 200');
if (!Number.isInteger(hubPort) || hubPort < 1 || hubPort > 65535 - storeCount)
  throw new Error('--port must be a free TCP port');

let demo: RunningDemo | undefined;
let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping store nodes and the hub …');
  await demo?.stop();
  console.log('Stopped.');
  process.exit(code);
}
// A bug that escapes must not leave the store nodes running without their hub: stop them, then exit non-zero.
exitOnFatalErrors(createLogger('demo', process.env.LOG_LEVEL ?? 'warn'), (code) => {
  setTimeout(() => process.exit(code), 10_000).unref();
  stop(code).catch(() => process.exit(code));
});
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

console.log(`Starting the Storefleet demo in ${values['data-dir']} …`);
try {
  demo = await startDemo({
    stores: storeCount,
    port: hubPort,
    dataDir: values['data-dir']!,
    logLevel: process.env.LOG_LEVEL ?? 'warn',
    metricsToken: process.env.HUB_METRICS_TOKEN || undefined,
    progress: (line) => console.log(`  ${line}`),
  });
} catch (err) {
  console.error(err instanceof DemoStartError ? err.message : err);
  process.exit(1);
}
if (stopping) await new Promise(() => {}); // Ctrl-C during the start: stop() ends the process
console.log(demo.banner);
