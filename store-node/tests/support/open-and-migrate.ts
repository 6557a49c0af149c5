// Opened by two processes at once in store-node.test.ts: both must succeed and migrate the file once.
import { createStoreNode } from '../../src/index.js';

const node = createStoreNode({ dbPath: process.argv[2], logLevel: 'silent' });
await node.stop();
