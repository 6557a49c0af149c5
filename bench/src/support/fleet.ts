import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WsConnector } from '@storefleet/store-node';
import { SyncClient, type SyncLogger } from '@storefleet/sync';
import { Child } from '../../../store-node/tests/support/child.js';
import { FLEET_ADMIN, FLEET_OPENING_STOCK, FLEET_PRODUCTS } from './fleet-catalog.js';
import { BENCH_PASSWORD, differing, hubStock, signIn } from './hub-calls.js';
import { MemoryStore } from './memory-store.js';

const FLEET_HUB = new URL('./fleet-hub.ts', import.meta.url);
const quiet: SyncLogger = { info() {}, warn() {}, error() {} };

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A hub child process seeded with `stores` stores, and one simulated store (real SyncClient) per store. */
export class Fleet {
  readonly dir = mkdtempSync(join(tmpdir(), 'sf-fleet-'));
  readonly latencies: number[] = [];
  /** The hub's HUB_METRICS_TOKEN: /metrics answers only an ADMIN or the scraper that holds it. */
  readonly #metricsToken = randomBytes(24).toString('base64url');
  readonly stores: MemoryStore[] = [];
  readonly clients: SyncClient[] = [];
  hub!: Child;
  port = 0;

  constructor(
    readonly count: number,
    readonly place: { databaseUrl?: string; dataDir?: string },
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async startHub(): Promise<{ id: string; token: string }[]> {
    this.port ||= await freePort();
    const dataDir = this.place.dataDir === 'memory' ? join(this.dir, 'hub') : this.place.dataDir;
    this.hub = new Child(FLEET_HUB, [String(this.port), String(this.count), join(this.dir, 'tokens.json')], {
      DATABASE_URL: this.place.databaseUrl ?? '',
      HUB_DATA_DIR: dataDir,
      HUB_METRICS_TOKEN: this.#metricsToken,
    });
    await this.hub.waitFor('READY', 180_000);
    return JSON.parse(readFileSync(join(this.dir, 'tokens.json'), 'utf8')) as { id: string; token: string }[];
  }

  /** Connects every store, `parallel` at a time; resolves when all are syncing. */
  async connectAll(tokens: { id: string; token: string }[], parallel = 200): Promise<void> {
    for (let i = 0; i < tokens.length; i += parallel) {
      const started = tokens.slice(i, i + parallel).map(({ id, token }) => {
        const store = new MemoryStore(id, this.latencies, this.stores.length + 1);
        const client = new SyncClient(
          store,
          new WsConnector(this.url, async () => token, { silenceMs: 60_000 }),
          quiet,
          {
            backoff: { baseMs: 250, capMs: 10_000 },
          },
        );
        this.stores.push(store);
        this.clients.push(client);
        client.start();
        return client;
      });
      await this.until(() => started.every((c) => c.status.phase === 'syncing'), 120_000, 'stores to connect');
    }
  }

  async metric(name: string): Promise<number> {
    const res = await fetch(`${this.url}/metrics`, { headers: { authorization: `Bearer ${this.#metricsToken}` } });
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`metric ${name} not found`);
    return Number(line.split(' ')[1]);
  }

  /**
   * Rings up one sale (its `stock.moved` per line and `sale.completed`) at `perTick` random stores every `tickMs`, for
   * `seconds`; then waits for every ack. Returns the sales and the events they made.
   */
  async trickle(seconds: number, perTick: number, tickMs = 50): Promise<{ sales: number; events: number }> {
    let sales = 0;
    let events = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      for (let i = 0; i < perTick; i++) {
        const k = Math.floor(Math.random() * this.stores.length);
        const before = this.stores[k]!.events.length;
        this.stores[k]!.sell(1);
        this.clients[k]!.outboxChanged();
        sales++;
        events += this.stores[k]!.events.length - before;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await this.until(
      () => this.stores.every((s) => s.acked === s.events.length),
      60_000,
      'every event to be acknowledged',
    );
    return { sales, events };
  }

  /**
   * Reads, through the hub's inventory API as head office, the on-hand of up to `sample` stores that sold (picked at
   * random) and returns the stores whose counts differ from the opening stock plus what their sales imply: an event
   * lost or applied twice shows here.
   */
  async storesOff(sample: number): Promise<{ checked: number; off: string[] }> {
    const admin = await signIn(this.url, FLEET_ADMIN, BENCH_PASSWORD);
    const sold = this.stores.filter((s) => s.sales > 0).sort(() => Math.random() - 0.5);
    const picked = sold.slice(0, sample);
    const off: string[] = [];
    for (const s of picked) {
      const expected = new Map(FLEET_PRODUCTS.map((p) => [p.sku, FLEET_OPENING_STOCK + (s.delta.get(p.sku) ?? 0)]));
      if (differing(await hubStock(this.url, admin, s.storeId), expected).length) off.push(s.storeId);
    }
    return { checked: picked.length, off };
  }

  /** `until`, but it fails at once when the hub process has died (a crash, not a slow hub). */
  async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    await until(
      () => {
        if (this.hub.exited) throw new Error(`the hub process exited while waiting for ${what}`);
        return check();
      },
      timeoutMs,
      what,
    );
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.stop();
    await this.hub?.kill();
    rmSync(this.dir, { recursive: true, force: true }); // the tokens file and a PGlite hub's data folder
  }
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
