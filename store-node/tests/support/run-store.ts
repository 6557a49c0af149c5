// A store process for the chaos trials. Reads commands on stdin: `write N` records N sales, each in its own
// transaction with the event, yielding between them so uploads interleave; prints `WROTE N` when done.
import { createInterface } from 'node:readline';
import { createStoreNode } from '../../src/index.js';

const node = createStoreNode({
  dbPath: process.env.STORE_DB,
  port: 0,
  logLevel: 'silent',
  hub: { url: process.env.HUB_URL!, storeId: process.env.STORE_ID!, secret: process.env.STORE_SECRET! },
  sync: { backoff: { baseMs: 30, capMs: 300 }, silenceMs: 4000 },
});
await node.start();
process.stdout.write('READY\n');
for await (const line of createInterface({ input: process.stdin })) {
  const m = /^write (\d+)$/.exec(line.trim());
  if (!m) continue;
  const n = Number(m[1]);
  for (let i = 0; i < n; i++) {
    node.sync.write((emit) => emit('test.sale', { qty: 1 + Math.floor(Math.random() * 9) }));
    if (i % 5 === 0) await new Promise((r) => setImmediate(r));
  }
  process.stdout.write(`WROTE ${n}\n`);
}
