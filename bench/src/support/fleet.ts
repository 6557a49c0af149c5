import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WsConnector } from '@storefleet/store-node';
import { SyncClient, type SyncLogger } from '@storefleet/sync';
import { Child } from '../../../store-node/tests/support/child.js';
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
        const store = new MemoryStore(id, this.latencies);
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
      await until(() => started.every((c) => c.status.phase === 'syncing'), 120_000, 'stores to connect');
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

  /** Appends one event at `perTick` random stores every `tickMs`, for `seconds`; then waits for every ack. */
  async trickle(seconds: number, perTick: number, tickMs = 50): Promise<number> {
    let sent = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      for (let i = 0; i < perTick; i++) {
        const k = Math.floor(Math.random() * this.stores.length);
        this.stores[k]!.append(1);
        this.clients[k]!.outboxChanged();
        sent++;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await until(() => this.stores.every((s) => s.acked === s.events.length), 60_000, 'every event to be acknowledged');
    return sent;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.stop();
    await this.hub?.kill();
  }
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
