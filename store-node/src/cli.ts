import { stopOnSignals } from '@storefleet/shared';
import { createStoreNode } from './store-node.js';
import { storeNodeConfigFromEnv } from './config.js';

/** Runs one store node from environment variables (see README); stops cleanly on SIGINT/SIGTERM. */
const node = createStoreNode(storeNodeConfigFromEnv());
await node.start();
stopOnSignals(() => node.stop(), node.log);
