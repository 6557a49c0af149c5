import { basename, dirname, join } from 'node:path';
import { createLogger, exitOnFatalErrors, stopOnSignals } from '@storefleet/shared';
import { createStoreNode } from './store-node.js';
import { storeNodeConfigFromEnv } from './config.js';
import { DEMO_CYCLES_TO_CONFIRM, EmulatedDevices } from './demo/emulated-devices.js';
import { receiveOpeningStock } from './demo/opening-stock.js';

/**
 * Runs one store node from environment variables (see README); stops cleanly on SIGINT/SIGTERM.
 * STORE_EMULATE_DEVICES=1 adds emulated RFID reader, scanner, scale and printer on ptys beside the database.
 * STORE_DEMO_STOCK=1 (`npm start`) receives an opening delivery of every product once the catalog is in.
 */
const config = storeNodeConfigFromEnv();
const deviceDir = join(dirname(config.dbPath!), 'devices', basename(config.dbPath!, '.sqlite'));
const emulated =
  process.env.STORE_EMULATE_DEVICES === '1'
    ? await EmulatedDevices.start(deviceDir, createLogger('devices', config.logLevel))
    : undefined;
const node = createStoreNode({
  ...config,
  devices: [...(config.devices ?? []), ...(emulated?.configs ?? [])],
  // the emulated floor's drift stays on the handheld for a while before the count corrects it
  rfid: { cycleMs: 20_000, ...(emulated ? { cyclesToConfirm: DEMO_CYCLES_TO_CONFIRM } : {}) },
});
exitOnFatalErrors(node.log);
await node.start();
const demoStock = process.env.STORE_DEMO_STOCK === '1';
if (emulated || demoStock) {
  const wait = setInterval(() => {
    if (node.sync.bootstrap?.progress().state === 'running' || node.sync.bootstrap?.progress().state === 'pending')
      return;
    clearInterval(wait);
    if (demoStock) receiveOpeningStock(node, config.name ?? 'store');
    emulated?.follow(node);
  }, 1000);
  wait.unref();
}
stopOnSignals(async () => {
  await node.stop();
  await emulated?.stop();
}, node.log);
