import { createStoreNode } from './store-node.js';
import { storeNodeConfigFromEnv } from './config.js';

/** Runs one store node from environment variables (see README); stops cleanly on SIGINT/SIGTERM. */
const node = createStoreNode(storeNodeConfigFromEnv());
await node.start();
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    node.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        node.log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
