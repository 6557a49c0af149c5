import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStoreNode, type StoreNode } from '@storefleet/store-node';
import { against, type Benchmark } from '../figure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SKUS = 2000;
const LANES = Number(process.env.BENCH_POS_LANES ?? 12);
const dir = () => mkdtempSync(join(tmpdir(), 'sf-posb-'));

/** The anchor: the same rows a 3-line sale writes (sale, lines, stock, outbox), bare, one transaction each. */
function bareSqlite(): number {
  const db = new Database(join(dir(), 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE sales (id TEXT PRIMARY KEY, total INTEGER, at INTEGER);
    CREATE TABLE sale_lines (sale_id TEXT, sku TEXT, qty INTEGER, price INTEGER, PRIMARY KEY (sale_id, sku));
    CREATE TABLE stock (sku TEXT PRIMARY KEY, on_hand INTEGER);
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY, type TEXT, payload TEXT)`);
  const sale = db.prepare('INSERT INTO sales VALUES (?, ?, ?)');
  const line = db.prepare('INSERT INTO sale_lines VALUES (?, ?, ?, ?)');
  const stock = db.prepare('INSERT INTO stock VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand');
  const out = db.prepare('INSERT INTO outbox (type, payload) VALUES (?, ?)');
  const write = db.transaction((id: string, skus: string[]) => {
    sale.run(id, 1000, Date.now());
    for (const sku of skus) {
      line.run(id, sku, 1, 333);
      stock.run(sku, -1);
      out.run('stock.moved', JSON.stringify({ sku, delta: -1, kind: 'SALE', ref: id }));
    }
  });
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    write(`sale-${n}`, [0, 1, 2].map((k) => `SF-${(n * 3 + k) % SKUS}`));
    n++;
  }
  db.close();
  return n / SECONDS;
}

/** `lanes` tills selling back to back on one store node (as a store's lanes do), each sale tendered in cash. */
async function sellFor(node: StoreNode, lanes: number, seconds: number): Promise<{ n: number; perS: number }> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const lane = async (k: number) => {
    for (let i = 0; performance.now() < end; i++) {
      const sale = node.pos.open();
      for (let j = 0; j < 3; j++) node.pos.add(sale.id, `SF-${(k * 7919 + i * 3 + j) % SKUS}`, 1);
      await node.pos.tender(sale.id, { kind: 'CASH', givenMinor: 1_000_000 });
      n++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, k) => lane(k)));
  return { n, perS: n / seconds };
}

export const posBench: Benchmark = {
  name: 'pos',
  description: 'completed, durable 3-line sales per second through the till, including outbox events',
  async run() {
    const anchor = bareSqlite();
    const node = createStoreNode({ dbPath: join(dir(), 'store.sqlite'), port: 0, logLevel: 'silent' });
    try {
      const put = node.db.prepare(
        `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES (?, NULL, ?, 'Bench', ?, 'USD', 'STANDARD', 1)`,
      );
      node.db.transaction(() => {
        for (let i = 0; i < SKUS; i++) put.run(`SF-${i}`, `Product ${i}`, 199 + i);
      })();
      const single = await sellFor(node, 1, SECONDS / 2);
      const lanes = await sellFor(node, LANES, SECONDS);
      const events = (node.db.prepare("SELECT count(*) AS c FROM sync_outbox WHERE type = 'stock.moved'").get() as { c: number }).c;
      if (events !== (single.n + lanes.n) * 3) throw new Error(`expected ${(single.n + lanes.n) * 3} outbox events, found ${events}`);
      const { commits } = node.sync.groupStats();
      const laneCommits = commits - single.n; // the one-lane phase commits each sale alone
      return [
        against({ bench: 'pos', metric: `sales_per_s_${LANES}_lanes`, value: lanes.perS, unit: '1/s', db: 'sqlite', n: lanes.n }, 'bare-sqlite-same-writes', anchor),
        { bench: 'pos', metric: `sales_per_commit_${LANES}_lanes`, value: +(lanes.n / laneCommits).toFixed(1), unit: 'sales', db: 'sqlite', n: laneCommits },
        against({ bench: 'pos', metric: 'sales_per_s_one_lane', value: single.perS, unit: '1/s', db: 'sqlite', n: single.n }, 'bare-sqlite-same-writes', anchor),
      ];
    } finally {
      await node.stop();
    }
  },
};
