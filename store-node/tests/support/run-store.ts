// A store node process for the chaos trials: the real node, syncing with HUB_URL as STORE_ID, on the SQLite file
// STORE_DB. Once the hub's catalog is in (the bootstrap; at once on a restart), prints `URL <url>` then `READY`; the
// test rings sales up at the till over HTTP, as a lane does, and kills this process with SIGKILL.
import { createStoreNode } from '../../src/index.js';

const node = createStoreNode({
  dbPath: process.env.STORE_DB,
  port: 0,
  logLevel: 'silent',
  hub: { url: process.env.HUB_URL!, storeId: process.env.STORE_ID!, secret: process.env.STORE_SECRET! },
  sync: { backoff: { baseMs: 30, capMs: 300 }, silenceMs: 4000 },
});
const url = await node.start();
const settled = () => ['done', 'not-needed'].includes(node.sync.bootstrap?.progress().state ?? 'done');
while (!settled()) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(`URL ${url}\nREADY\n`);
