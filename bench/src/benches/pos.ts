import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStoreNode, type StoreNode } from '@storefleet/store-node';
import { against, round, type Benchmark, type Figure } from '../figure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SKUS = 2000;
const LANES = Number(process.env.BENCH_POS_LANES ?? 12);
/** The temporary folders of this run (removed when it ends). */
const folders: string[] = [];
/** Where the store files go (BENCH_POS_DIR=/dev/shm takes the disk's fsync out of the picture, not out of the CPU). */
const dir = () => {
  const d = mkdtempSync(join(process.env.BENCH_POS_DIR ?? tmpdir(), 'sf-posb-'));
  folders.push(d);
  return d;
};
/** The anchors: bare SQLite, the same writes, committing each sale alone or `group` sales per commit as the node does. */
const PER_SALE = 'bare-sqlite-same-writes-commit-per-sale';
const sameGroup = (group: number) => `bare-sqlite-same-writes-${group}-sales-per-commit`;

/** CPU time (user + system, every thread of this process) from `start` until now, in µs. */
const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return used.user + used.system;
};

interface Run {
  readonly n: number;
  readonly perS: number;
  /** CPU per completed sale, in µs. */
  readonly cpuUs: number;
}

/**
 * The anchor: the rows a 3-line cash sale writes at the till, bare, no checks. Each scan saves the open basket as the
 * till does (the basket row when the sale opens, then an upsert of the scanned line, each its own commit with
 * `synchronous=NORMAL`); then the sale, its lines, the stock, a `stock.moved` per line and the sale's `sale.completed`
 * (the same fields the till sends) are written and the basket deleted (its lines by cascade), `group` sales per
 * `synchronous=FULL` transaction (1: each sale commits alone; the node's lanes share commits, so it is also measured
 * with the node's group size).
 */
function bareSqlite(group: number): Run {
  const db = new Database(join(dir(), 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE sales (id TEXT PRIMARY KEY, total INTEGER, at INTEGER);
    CREATE TABLE sale_lines (sale_id TEXT, sku TEXT, qty INTEGER, price INTEGER, PRIMARY KEY (sale_id, sku));
    CREATE TABLE stock (sku TEXT PRIMARY KEY, on_hand INTEGER);
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY, type TEXT, payload TEXT);
    CREATE TABLE baskets (sale_id TEXT PRIMARY KEY, opened_at INTEGER, touched_at INTEGER);
    CREATE INDEX baskets_by_touched ON baskets (touched_at);
    CREATE TABLE basket_lines (sale_id TEXT REFERENCES baskets (sale_id) ON DELETE CASCADE, sku TEXT, name TEXT,
      tax_class TEXT, unit_price_minor INTEGER, qty INTEGER, changed_at INTEGER, PRIMARY KEY (sale_id, sku))`);
  const sale = db.prepare('INSERT INTO sales VALUES (?, ?, ?)');
  const line = db.prepare('INSERT INTO sale_lines VALUES (?, ?, ?, ?)');
  const stock = db.prepare(
    'INSERT INTO stock VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand',
  );
  const out = db.prepare('INSERT INTO outbox (type, payload) VALUES (?, ?)');
  const openBasket = db.prepare('INSERT INTO baskets VALUES (?, ?, ?)');
  const scanLine = db.prepare(
    `INSERT INTO basket_lines VALUES (?, ?, ?, 'STANDARD', 333, ?, ?)
     ON CONFLICT (sale_id, sku) DO UPDATE SET name = excluded.name, tax_class = excluded.tax_class,
       unit_price_minor = excluded.unit_price_minor, qty = excluded.qty, changed_at = excluded.changed_at`,
  );
  const closeBasket = db.prepare('DELETE FROM baskets WHERE sale_id = ?');
  const normal = db.prepare('PRAGMA synchronous = NORMAL');
  const full = db.prepare('PRAGMA synchronous = FULL');
  /** One scan's write, as the till saves it: alone, flushed with synchronous=NORMAL. */
  const scan = (write: () => unknown) => {
    normal.run();
    try {
      write();
    } finally {
      full.run();
    }
  };
  const skusOf = (n: number) => [0, 1, 2].map((k) => `SF-${(n * 3 + k) % SKUS}`);
  const ring = (id: string, skus: string[]) => {
    const at = Date.now();
    scan(() => openBasket.run(id, at, at));
    for (const sku of skus) scan(() => scanLine.run(id, sku, `Product ${sku}`, 1, at));
  };
  const writeSale = (id: string, skus: string[]) => {
    const at = Date.now();
    const lines = skus.map((sku) => ({
      sku,
      qty: 1,
      unitPriceMinor: 333,
      taxClass: 'STANDARD',
      subtotalMinor: 333,
      taxMinor: 30,
    }));
    sale.run(id, 1089, at);
    for (const l of lines) {
      line.run(id, l.sku, l.qty, l.unitPriceMinor);
      stock.run(l.sku, -1);
      out.run('stock.moved', JSON.stringify({ sku: l.sku, delta: -1, kind: 'SALE', at, ref: id }));
    }
    const completed = {
      saleId: id,
      lane: null,
      currency: 'USD',
      openedAt: at,
      closedAt: at,
      lines,
      subtotalMinor: 999,
      taxMinor: 90,
      totalMinor: 1089,
      tenders: [{ kind: 'CASH', amountMinor: 1089, givenMinor: 1_000_000 }],
    };
    out.run('sale.completed', JSON.stringify(completed));
    closeBasket.run(id);
  };
  let n = 0;
  const commit = db.transaction(() => {
    for (let i = 0; i < group; i++, n++) writeSale(`sale-${n}`, skusOf(n));
  });
  const cpu = process.cpuUsage();
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < group; i++) ring(`sale-${n + i}`, skusOf(n + i));
    commit();
  }
  const cpuUs = cpuSince(cpu) / n;
  const left = db.prepare('SELECT (SELECT count(*) FROM baskets) + (SELECT count(*) FROM basket_lines)').pluck().get();
  db.close();
  if (left !== 0) throw new Error(`the bare anchor left ${left} basket rows behind`);
  return { n, perS: n / SECONDS, cpuUs };
}

/** `lanes` tills selling back to back on one store node (as a store's lanes do), each sale tendered in cash. */
async function sellFor(node: StoreNode, lanes: number, seconds: number): Promise<Run> {
  let n = 0;
  const cpu = process.cpuUsage();
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
  return { n, perS: n / seconds, cpuUs: cpuSince(cpu) / n };
}

/** The till wrote what the anchor writes: 3 `stock.moved` and one `sale.completed` per sale. */
function checkOutbox(node: StoreNode, sales: number): void {
  const count = (type: string) =>
    node.db.prepare('SELECT count(*) FROM sync_outbox WHERE type = ?').pluck().get(type) as number;
  const moved = count('stock.moved');
  const completed = count('sale.completed');
  if (moved !== sales * 3 || completed !== sales)
    throw new Error(
      `expected ${sales * 3} stock.moved and ${sales} sale.completed events in the outbox, found ${moved} and ${completed}`,
    );
  // Each sale's basket was saved scan by scan and deleted at its commit, as the anchor's are.
  const baskets = node.db.prepare('SELECT count(*) FROM pos_baskets').pluck().get() as number;
  if (baskets !== 0) throw new Error(`${baskets} baskets are still open after every sale was tendered`);
}

export const posBench: Benchmark = {
  name: 'pos',
  description:
    'completed, durable 3-line sales per second and CPU per sale through the till, including its outbox events, against bare SQLite with the same commits',
  async run() {
    try {
      return await measure();
    } finally {
      for (const d of folders.splice(0)) rmSync(d, { recursive: true, force: true });
    }
  },
};

/** The node and its anchors, measured in turn. */
async function measure(): Promise<Figure[]> {
  const perSale = bareSqlite(1);
  const node = createStoreNode({ dbPath: join(dir(), 'store.sqlite'), port: 0, logLevel: 'silent' });
  let single: Run;
  let lanes: Run;
  let laneCommits: number;
  try {
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES (?, NULL, ?, 'Bench', ?, 'USD', 'STANDARD', 1)`,
    );
    node.db.transaction(() => {
      for (let i = 0; i < SKUS; i++) put.run(`SF-${i}`, `Product ${i}`, 199 + i);
    })();
    single = await sellFor(node, 1, SECONDS / 2);
    lanes = await sellFor(node, LANES, SECONDS);
    checkOutbox(node, single.n + lanes.n);
    laneCommits = node.sync.groupStats().commits - single.n; // the one-lane phase commits each sale alone
  } finally {
    await node.stop();
  }
  // The node's lanes shared this many sales per commit on average; the anchor groups the same number per commit.
  const perCommit = lanes.n / laneCommits;
  const group = Math.max(1, Math.round(perCommit));
  const grouped = bareSqlite(group);
  const fig = (
    metric: string,
    run: Run,
    unit: string,
    value: number,
  ): Omit<Figure, 'anchor' | 'anchor_value' | 'ratio'> => ({
    bench: 'pos',
    metric,
    value,
    unit,
    db: 'sqlite',
    n: run.n,
  });
  const ratio = (metric: string, ours: number, anchor: number, n: number): Figure => ({
    bench: 'pos',
    metric,
    value: round(ours / anchor, 2),
    unit: 'x',
    db: 'sqlite',
    n,
  });
  console.error(
    `  bare SQLite: ${perSale.perS.toFixed(0)} sales/s committing each alone (${perSale.cpuUs.toFixed(0)} µs CPU a sale), ${grouped.perS.toFixed(0)}/s at ${group} a commit (${grouped.cpuUs.toFixed(0)} µs); node: one lane ${single.perS.toFixed(0)}/s (${single.cpuUs.toFixed(0)} µs), ${LANES} lanes ${lanes.perS.toFixed(0)}/s at ${perCommit.toFixed(1)} a commit (${lanes.cpuUs.toFixed(0)} µs)`,
  );
  return [
    against(fig(`sales_per_s_${LANES}_lanes`, lanes, '1/s', lanes.perS), sameGroup(group), grouped.perS),
    {
      bench: 'pos',
      metric: `sales_per_commit_${LANES}_lanes`,
      value: round(perCommit),
      unit: 'sales',
      db: 'sqlite',
      n: laneCommits,
    },
    against(fig('sales_per_s_one_lane', single, '1/s', single.perS), PER_SALE, perSale.perS),
    ratio('node_vs_bare_same_group_commit', lanes.perS, grouped.perS, lanes.n),
    ratio('node_vs_bare_commit_per_sale', lanes.perS, perSale.perS, lanes.n),
    ratio('node_one_lane_vs_bare_commit_per_sale', single.perS, perSale.perS, single.n),
    // CPU the process spent per sale (the till's rules, its event checks, SQLite): lower is better.
    against(fig(`cpu_us_per_sale_${LANES}_lanes`, lanes, 'us', lanes.cpuUs), sameGroup(group), grouped.cpuUs, false),
    against(fig('cpu_us_per_sale_one_lane', single, 'us', single.cpuUs), PER_SALE, perSale.cpuUs, false),
  ];
}
