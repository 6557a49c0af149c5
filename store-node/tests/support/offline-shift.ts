import type { AddressInfo } from 'node:net';
import { seededRandom } from '@storefleet/devices';
import type { StoreNode, StoreNodeConfig } from '../../src/index.js';
import { waitFor, type SyncFixture } from './sync-fixture.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * A long offline shift at one store node, for the offline-shift trial (store-node/tests/sync/offline-shift.test.ts)
 * and its benchmark (bench/src/benches/offline-shift.ts). Everything goes through the store's own code: sales and
 * returns through the till (`node.pos`, the path that writes `stock.moved`), receiving and counts through the
 * handheld API over HTTP with an Idempotency-Key, as a handheld sends them.
 */

/** The store's and the hub's clock in a trial: it only moves forward, when the trial moves it. */
export class SimClock {
  #t: number;
  constructor(start: number = Date.now()) {
    this.#t = start;
  }
  readonly now = (): number => this.#t;
  /** Moves the clock to `t` (never back). */
  set(t: number): void {
    if (t > this.#t) this.#t = t;
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}

export interface ShiftPlan {
  /** Outbox events to make (every action here writes `stock.moved` events; a count that matches writes none). */
  readonly events: number;
  readonly hours: number;
  readonly skus: readonly string[];
  /** Tills selling at once (their commits share fsyncs, as a store's lanes do). */
  readonly lanes: number;
  readonly seed: number;
}

export interface ShiftTally {
  readonly events: number;
  readonly sales: number;
  readonly returns: number;
  readonly receipts: number;
  readonly counts: number;
  /** Hourly housekeeping runs (the node's hourly timer, driven by the simulated clock). */
  readonly housekeeping: number;
  readonly ms: number;
}

/**
 * Runs the store for `plan.hours` simulated hours until it has written `plan.events` outbox events. The mix a store
 * has: of every 100 actions, 80 sales of 1–3 lines, 6 returns of a line of a recent sale, 8 receipts of a case of
 * 12–48 units, 6 cycle counts (finding 0–2 units fewer than believed). The clock follows the events written, and each
 * time it passes an hour the node's housekeeping runs, as its hourly timer would.
 */
export async function runShift(node: StoreNode, clock: SimClock, plan: ShiftPlan): Promise<ShiftTally> {
  const started = performance.now();
  const startAt = clock.now();
  const hourMs = 3_600_000;
  const first = node.sync.outbox.head();
  const target = first + plan.events;
  const random = seededRandom(plan.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const recent: string[] = [];
  const tally = { sales: 0, returns: 0, receipts: 0, counts: 0, housekeeping: 0 };
  let hour = 0;
  const tick = async () => {
    const made = node.sync.outbox.head() - first;
    clock.set(startAt + Math.floor((made / plan.events) * plan.hours * hourMs));
    while (startAt + (hour + 1) * hourMs <= clock.now()) {
      hour++; // before awaiting, so another lane passing the same hour does not run it again
      tally.housekeeping++;
      await node.housekeeping();
    }
  };
  const handheld = async (path: string, body: unknown, key: string) => {
    const res = await fetch(node.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  };
  const lane = async (k: number) => {
    for (let i = 0; node.sync.outbox.head() < target; i++) {
      await tick();
      const r = random();
      if (r < 0.8) {
        const sale = node.pos.open();
        const lines = 1 + Math.floor(random() * 3);
        for (let j = 0; j < lines; j++) node.pos.add(sale.id, pick(plan.skus), 1 + Math.floor(random() * 2));
        await node.pos.tender(sale.id, i % 3 ? { kind: 'CASH', givenMinor: 1_000_000 } : { kind: 'CARD' });
        recent.push(sale.id);
        if (recent.length > 50) recent.shift();
        tally.sales++;
      } else if (r < 0.86 && recent.length) {
        // A customer brings back one unit of the first line of a recent sale (each sale comes back at most once).
        const saleId = recent.splice(Math.floor(random() * recent.length), 1)[0]!;
        const line = node.pos.view(saleId).lines[0]!;
        await node.pos.returnItems(saleId, [{ sku: line.sku, qty: 1 }]);
        tally.returns++;
      } else if (r < 0.94) {
        await handheld(
          '/api/stock/movements',
          { sku: pick(plan.skus), delta: 12 + Math.floor(random() * 37), kind: 'RECEIVE', ref: `delivery ${k}-${i}` },
          `rcv-${plan.seed}-${k}-${i}`,
        );
        tally.receipts++;
      } else {
        const sku = pick(plan.skus);
        const counted = Math.max(0, node.pos.stock.onHand(sku) - Math.floor(random() * 3));
        await handheld('/api/stock/counts', { sku, counted }, `cnt-${plan.seed}-${k}-${i}`);
        tally.counts++;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.lanes }, (_, k) => lane(k)));
  await tick();
  return { events: node.sync.outbox.head() - first, ...tally, ms: performance.now() - started };
}

/** The store's network to the hub: `down()` refuses every connection (as an unplugged line does), `up()` restores it. */
export class StoreNetwork {
  readonly #port: number;
  private constructor(readonly proxy: TcpProxy) {
    this.#port = (proxy.server.address() as AddressInfo).port;
  }

  static async to(hubUrl: string): Promise<StoreNetwork> {
    return new StoreNetwork(await TcpProxy.start(Number(new URL(hubUrl).port)));
  }

  get url(): string {
    return this.proxy.url;
  }

  async down(): Promise<void> {
    if (this.proxy.server.listening) await this.proxy.close();
  }

  async up(): Promise<void> {
    if (!this.proxy.server.listening)
      await new Promise<void>((resolve) => this.proxy.server.listen(this.#port, '127.0.0.1', resolve));
  }
}

export interface ShiftStore {
  readonly node: StoreNode;
  readonly storeId: string;
  readonly network: StoreNetwork;
  readonly dbPath: string;
}

/** `count` products in the hub's catalog (SF-00001…), for stores to bootstrap; returns their skus. */
export async function seedCatalog(f: SyncFixture, count: number): Promise<string[]> {
  await f.hub.db.query(
    `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at)
     SELECT 'SF-' || lpad(i::text, 5, '0'), NULL, 'Product ' || i, 'Test', 199 + i, 'USD', 'STANDARD', 1 FROM generate_series(1, $1::int) AS i`,
    [count],
  );
  return Array.from({ length: count }, (_, i) => `SF-${String(i + 1).padStart(5, '0')}`);
}

/**
 * A store registered at the fixture's hub and reaching it through its own network, on the trial's clock: once its
 * catalog has arrived, the morning delivery (40 of every sku, through the handheld API) is received and acknowledged.
 */
export async function openShiftStore(
  f: SyncFixture,
  code: string,
  clock: SimClock,
  skus: readonly string[],
  extra: Partial<StoreNodeConfig> = {},
): Promise<ShiftStore> {
  const reg = await f.hub.fleet.register({ code, name: `Store ${code}`, kind: 'STORE', lat: 40, lon: -74 });
  f.credentials.set(code, reg.credential!);
  const network = await StoreNetwork.to(f.hubUrl);
  const node = await f.store(code, { now: clock.now, ...extra, hub: { url: network.url, ...reg.credential! } });
  await waitFor(`the catalog at store ${code}`, () => node.sync.bootstrap!.progress().state === 'done', 60_000);
  for (const sku of skus) {
    const res = await fetch(`${node.url}/api/stock/movements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku, delta: 40, kind: 'RECEIVE' }),
    });
    if (res.status !== 201) throw new Error(`the morning delivery of ${sku} answered ${res.status}`);
  }
  await waitFor(`the morning delivery of store ${code} at the hub`, () => node.sync.status().pendingUp === 0, 60_000);
  return { node, storeId: reg.location.id, network, dbPath: node.db.name };
}
