import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStoreNode } from '@storefleet/store-node';
import { against, type Benchmark } from '../figure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SKUS = 2000;
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
      let n = 0;
      const end = performance.now() + SECONDS * 1000;
      while (performance.now() < end) {
        const sale = node.pos.open();
        for (let k = 0; k < 3; k++) node.pos.add(sale.id, `SF-${(n * 3 + k) % SKUS}`, 1);
        await node.pos.tender(sale.id, { kind: 'CASH', givenMinor: 1_000_000 });
        n++;
      }
      const perS = n / SECONDS;
      const events = (node.db.prepare("SELECT count(*) AS c FROM sync_outbox WHERE type = 'stock.moved'").get() as { c: number }).c;
      if (events !== n * 3) throw new Error(`expected ${n * 3} outbox events, found ${events}`);
      return [against({ bench: 'pos', metric: 'sales_per_s', value: perS, unit: '1/s', db: 'sqlite', n }, 'bare-sqlite-same-writes', anchor)];
    } finally {
      await node.stop();
    }
  },
};
